// The sections of `contacts export`: every table that names a contact, read in keyset pages.
import EbbflowCore
import Foundation
import PostgresClient

/// One array of the export. Why a list here: it is the one place that says which tables hold
/// something about a person; `PrivacyTests` checks that every table of the schema with a
/// `contact_id`, `external_id`, `email` or `subject` column is in it, so a table added later
/// cannot be forgotten silently.
struct ExportSection: Sendable {
    var name: String
    /// The tables this section reads (for the completeness check).
    var tables: [String]
    /// The page of at most `limit` rows after `last` (the previous page's last row; nil for the
    /// first page), each with `row` (its JSON text) and the columns of its key.
    var page: @Sendable (_ contact: Int64, _ externalID: String, _ last: PGRow?, _ limit: Int) throws -> PGQuery

    /// The one keyset paging every section uses: a page starts after the key `Key` read from the
    /// previous page's last row by `key` (`start`, below every key, for the first page), so each
    /// section writes only its query and the columns it orders by.
    static func keyset<Key: Sendable>(
        name: String, tables: [String], start: Key, key: @escaping @Sendable (PGRow) throws -> Key,
        page: @escaping @Sendable (_ contact: Int64, _ externalID: String, _ after: Key, _ limit: Int) -> PGQuery
    ) -> ExportSection {
        ExportSection(
            name: name, tables: tables,
            page: { contact, externalID, last, limit in
                page(contact, externalID, try last.map(key) ?? start, limit)
            })
    }

    /// Paged by the (positive) integer the query selects as `id`.
    static func byID(
        name: String, tables: [String],
        page: @escaping @Sendable (_ contact: Int64, _ externalID: String, _ after: Int64, _ limit: Int) -> PGQuery
    ) -> ExportSection {
        keyset(name: name, tables: tables, start: 0, key: { try $0.decode("id") }, page: page)
    }

    /// A table's rows whose `contact_id` is the contact's, by id.
    static func byID(name: String, table: String, schema: SchemaName) -> ExportSection {
        let qualified = schema.qualified(table)
        return byID(name: name, tables: [table]) { contact, _, last, limit in
            """
            SELECT x.id, to_jsonb(x)::text AS row FROM \(identifier: qualified) x
            WHERE x.contact_id = \(bind: contact) AND x.id > \(bind: last) ORDER BY x.id LIMIT \(bind: limit)
            """
        }
    }

    /// A queue table's rows whose `subject` is the contact's, by id.
    static func bySubject(name: String, table: String, schema: SchemaName) -> ExportSection {
        let qualified = schema.qualified(table)
        return byID(name: name, tables: [table]) { contact, _, last, limit in
            """
            SELECT j.id, to_jsonb(j)::text AS row FROM \(identifier: qualified) j
            WHERE j.subject = \(bind: ContactJobs.subject(contact)) AND j.id > \(bind: last) ORDER BY j.id LIMIT \(bind: limit)
            """
        }
    }

    /// A table keyed by (`send_id`, `column`) whose rows belong to the contact's sends, in key order.
    static func bySend(name: String, table: String, column: String, schema: SchemaName) -> ExportSection {
        let qualified = schema.qualified(table)
        let sends = schema.qualified("sends")
        return keyset(
            name: name, tables: [table], start: (Int64(0), Int64(-1)),
            key: { (try $0.decode("send_id"), try $0.decode("second_key")) }
        ) { contact, _, after, limit in
            """
            SELECT t.send_id, t.\(identifier: column) AS second_key, to_jsonb(t)::text AS row
            FROM \(identifier: qualified) t JOIN \(identifier: sends) s ON s.id = t.send_id
            WHERE s.contact_id = \(bind: contact) AND (t.send_id, t.\(identifier: column)) > (\(bind: after.0), \(bind: after.1))
            ORDER BY t.send_id, t.\(identifier: column) LIMIT \(bind: limit)
            """
        }
    }

    static func all(schema: SchemaName) -> [ExportSection] {
        let events = schema.qualified("engagement_events")
        let identifies = schema.qualified("ingest_identify_messages")
        let sends = schema.qualified("sends")
        let memberships = schema.qualified("stream_memberships")
        let unmatched = schema.qualified("unmatched_provider_events")
        let contacts = schema.qualified("contacts")
        return [
            byID(name: "audit", table: "contact_audit", schema: schema),
            byID(name: "transitions", table: "transitions", schema: schema),
            // By time, then id: the (contact_id, occurred_at) index walks a large history in order.
            keyset(
                name: "events", tables: ["engagement_events"], start: (Date.distantPast, Int64(0)),
                key: { (try $0.decode("occurred_at"), try $0.decode("id")) }
            ) { contact, _, after, limit in
                """
                SELECT e.id, e.occurred_at, to_jsonb(e)::text AS row FROM \(identifier: events) e
                WHERE e.contact_id = \(bind: contact) AND e.occurred_at >= \(bind: after.0)
                  AND (e.occurred_at, e.id) > (\(bind: after.0), \(bind: after.1))
                ORDER BY e.occurred_at, e.id LIMIT \(bind: limit)
                """
            },
            // Events received for this external id while no contact had it (kept, not applied).
            byID(name: "unlinked_events", tables: ["engagement_events"]) { _, externalID, last, limit in
                """
                SELECT e.id, to_jsonb(e)::text AS row FROM \(identifier: events) e
                WHERE e.contact_id IS NULL AND e.external_id = \(bind: externalID) AND e.id > \(bind: last)
                ORDER BY e.id LIMIT \(bind: limit)
                """
            },
            byID(name: "sends", table: "sends", schema: schema),
            // The links recorded for its sends (sql/engine/0025), by send then link.
            bySend(name: "tracked_links", table: "tracked_links", column: "link_index", schema: schema),
            // Each failed delivery attempt of its sends (sql/engine/0029): a relay's reply often
            // quotes the address. By send then attempt.
            bySend(name: "send_errors", table: "send_errors", column: "attempt", schema: schema),
            // Which experiments and variants the contact was in: its sends that carried one.
            byID(name: "experiment_assignments", tables: ["sends"]) { contact, _, last, limit in
                """
                SELECT min(s.id) AS id, jsonb_build_object('experiment', s.experiment, 'variant', s.variant,
                       'first_send_at', min(s.at), 'sends', count(*))::text AS row
                FROM \(identifier: sends) s WHERE s.contact_id = \(bind: contact) AND s.experiment IS NOT NULL
                GROUP BY s.experiment, s.variant HAVING min(s.id) > \(bind: last) ORDER BY min(s.id) LIMIT \(bind: limit)
                """
            },
            byID(name: "flow_skips", table: "flow_skips", schema: schema),
            byID(name: "stream_memberships", tables: ["stream_memberships"]) { contact, _, last, limit in
                """
                SELECT m.entry AS id, to_jsonb(m)::text AS row FROM \(identifier: memberships) m
                WHERE m.contact_id = \(bind: contact) AND m.entry > \(bind: last) ORDER BY m.entry LIMIT \(bind: limit)
                """
            },
            byID(name: "stream_decisions", table: "stream_decisions", schema: schema),
            // Jobs about the contact: the queue's `subject` (sql/queue/0006), pending then finished.
            bySubject(name: "jobs", table: "jobs", schema: schema),
            bySubject(name: "finished_jobs", table: "finished_jobs", schema: schema),
            // Provider events no send or contact matched, kept with the contact's address
            // (sql/engine/0026): they are about this person too.
            byID(name: "unmatched_provider_events", tables: ["unmatched_provider_events"]) { contact, _, last, limit in
                """
                SELECT u.id, to_jsonb(u)::text AS row FROM \(identifier: unmatched) u
                WHERE lower(u.email) = (SELECT lower(c.email) FROM \(identifier: contacts) c WHERE c.id = \(bind: contact))
                  AND u.id > \(bind: last)
                ORDER BY u.id LIMIT \(bind: limit)
                """
            },
            // Segment identify messages applied for this external id (kept to apply each once).
            byID(name: "identify_messages", tables: ["ingest_identify_messages"]) { _, externalID, last, limit in
                """
                SELECT n.ord AS id, n.row FROM (
                    SELECT row_number() OVER (ORDER BY m.received_at, m.message_id) AS ord, to_jsonb(m)::text AS row
                    FROM \(identifier: identifies) m WHERE m.external_id = \(bind: externalID)) n
                WHERE n.ord > \(bind: last) ORDER BY n.ord LIMIT \(bind: limit)
                """
            },
        ]
    }
}
