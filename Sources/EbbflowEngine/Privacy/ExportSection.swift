// The sections of `contacts export`: every table that names a contact, read in keyset pages.
import EbbflowCore
import Foundation
import PostgresClient

/// One array of the export. Why a list here: it is the one place that says which tables hold
/// something about a person; `PrivacyTests` checks that every table of the schema with a
/// `contact_id`, `external_id`, `email` or `subject` column is in it, so a table added later
/// cannot be forgotten silently.
struct ExportSection: Sendable {
    enum Key: Sendable {
        case start
        case id(Int64)
        case time(Date, Int64)
    }

    var name: String
    /// The tables this section reads (for the completeness check).
    var tables: [String]
    /// The page after `Key` of at most `limit` rows, each with `row` (its JSON text) and its key columns.
    var page: @Sendable (_ contact: Int64, _ externalID: String, _ after: Key, _ limit: Int) -> PGQuery
    var key: @Sendable (PGRow) throws -> Key

    static func byID(name: String, table: String, schema: SchemaName) -> ExportSection {
        let qualified = schema.qualified(table)
        return ExportSection(
            name: name, tables: [table],
            page: { contact, _, after, limit in
                let last: Int64 = if case .id(let id) = after { id } else { 0 }
                return """
                    SELECT x.id, to_jsonb(x)::text AS row FROM \(identifier: qualified) x
                    WHERE x.contact_id = \(bind: contact) AND x.id > \(bind: last) ORDER BY x.id LIMIT \(bind: limit)
                    """
            }, key: { .id(try $0.decode("id")) })
    }

    /// A queue table's rows whose `subject` is the contact's, by id.
    static func bySubject(name: String, table: String, schema: SchemaName) -> ExportSection {
        let qualified = schema.qualified(table)
        return ExportSection(
            name: name, tables: [table],
            page: { contact, _, after, limit in
                let last: Int64 = if case .id(let id) = after { id } else { 0 }
                return """
                    SELECT j.id, to_jsonb(j)::text AS row FROM \(identifier: qualified) j
                    WHERE j.subject = \(bind: ContactJobs.subject(contact)) AND j.id > \(bind: last) ORDER BY j.id LIMIT \(bind: limit)
                    """
            }, key: { .id(try $0.decode("id")) })
    }

    static func all(schema: SchemaName) -> [ExportSection] {
        let events = schema.qualified("engagement_events")
        let identifies = schema.qualified("ingest_identify_messages")
        let sends = schema.qualified("sends")
        let memberships = schema.qualified("stream_memberships")
        let unmatched = schema.qualified("unmatched_provider_events")
        let contacts = schema.qualified("contacts")
        let links = schema.qualified("tracked_links")
        let errors = schema.qualified("send_errors")
        return [
            byID(name: "audit", table: "contact_audit", schema: schema),
            byID(name: "transitions", table: "transitions", schema: schema),
            // By time, then id: the (contact_id, occurred_at) index walks a large history in order.
            ExportSection(
                name: "events", tables: ["engagement_events"],
                page: { contact, _, after, limit in
                    let (time, id): (Date, Int64) =
                        if case .time(let time, let id) = after { (time, id) } else { (Date.distantPast, 0) }
                    return """
                        SELECT e.id, e.occurred_at, to_jsonb(e)::text AS row FROM \(identifier: events) e
                        WHERE e.contact_id = \(bind: contact) AND e.occurred_at >= \(bind: time)
                          AND (e.occurred_at, e.id) > (\(bind: time), \(bind: id))
                        ORDER BY e.occurred_at, e.id LIMIT \(bind: limit)
                        """
                }, key: { .time(try $0.decode("occurred_at"), try $0.decode("id")) }),
            // Events received for this external id while no contact had it (kept, not applied).
            ExportSection(
                name: "unlinked_events", tables: ["engagement_events"],
                page: { _, externalID, after, limit in
                    let last: Int64 = if case .id(let id) = after { id } else { 0 }
                    return """
                        SELECT e.id, to_jsonb(e)::text AS row FROM \(identifier: events) e
                        WHERE e.contact_id IS NULL AND e.external_id = \(bind: externalID) AND e.id > \(bind: last)
                        ORDER BY e.id LIMIT \(bind: limit)
                        """
                }, key: { .id(try $0.decode("id")) }),
            byID(name: "sends", table: "sends", schema: schema),
            // The links recorded for its sends (sql/engine/0025), by send then link; the page key
            // packs both (a send has at most 1,000 links, so 16 bits hold the index).
            ExportSection(
                name: "tracked_links", tables: ["tracked_links"],
                page: { contact, _, after, limit in
                    let (send, link): (Int64, Int64) =
                        if case .id(let key) = after { (key >> 16, key & 0xFFFF) } else { (0, -1) }
                    return """
                        SELECT (l.send_id << 16) | l.link_index AS id, to_jsonb(l)::text AS row
                        FROM \(identifier: links) l JOIN \(identifier: sends) s ON s.id = l.send_id
                        WHERE s.contact_id = \(bind: contact) AND (l.send_id, l.link_index) > (\(bind: send), \(bind: link))
                        ORDER BY l.send_id, l.link_index LIMIT \(bind: limit)
                        """
                }, key: { .id(try $0.decode("id")) }),
            // Each failed delivery attempt of its sends (sql/engine/0029): a relay's reply often
            // quotes the address. By send then attempt, packed like the links' key (attempts
            // are bounded by delivery_max_attempts, at most 50).
            ExportSection(
                name: "send_errors", tables: ["send_errors"],
                page: { contact, _, after, limit in
                    let (send, attempt): (Int64, Int64) =
                        if case .id(let key) = after { (key >> 16, key & 0xFFFF) } else { (0, -1) }
                    return """
                        SELECT (e.send_id << 16) | e.attempt AS id, to_jsonb(e)::text AS row
                        FROM \(identifier: errors) e JOIN \(identifier: sends) s ON s.id = e.send_id
                        WHERE s.contact_id = \(bind: contact) AND (e.send_id, e.attempt) > (\(bind: send), \(bind: attempt))
                        ORDER BY e.send_id, e.attempt LIMIT \(bind: limit)
                        """
                }, key: { .id(try $0.decode("id")) }),
            // Which experiments and variants the contact was in: its sends that carried one.
            ExportSection(
                name: "experiment_assignments", tables: ["sends"],
                page: { contact, _, after, limit in
                    let last: Int64 = if case .id(let id) = after { id } else { 0 }
                    return """
                        SELECT min(s.id) AS id, jsonb_build_object('experiment', s.experiment, 'variant', s.variant,
                               'first_send_at', min(s.at), 'sends', count(*))::text AS row
                        FROM \(identifier: sends) s WHERE s.contact_id = \(bind: contact) AND s.experiment IS NOT NULL
                        GROUP BY s.experiment, s.variant HAVING min(s.id) > \(bind: last) ORDER BY min(s.id) LIMIT \(bind: limit)
                        """
                }, key: { .id(try $0.decode("id")) }),
            byID(name: "flow_skips", table: "flow_skips", schema: schema),
            ExportSection(
                name: "stream_memberships", tables: ["stream_memberships"],
                page: { contact, _, after, limit in
                    let last: Int64 = if case .id(let id) = after { id } else { 0 }
                    return """
                        SELECT m.entry AS id, to_jsonb(m)::text AS row FROM \(identifier: memberships) m
                        WHERE m.contact_id = \(bind: contact) AND m.entry > \(bind: last) ORDER BY m.entry LIMIT \(bind: limit)
                        """
                }, key: { .id(try $0.decode("id")) }),
            byID(name: "stream_decisions", table: "stream_decisions", schema: schema),
            // Jobs about the contact: the queue's `subject` (sql/queue/0006), pending then finished.
            bySubject(name: "jobs", table: "jobs", schema: schema),
            bySubject(name: "finished_jobs", table: "finished_jobs", schema: schema),
            // Provider events no send or contact matched, kept with the contact's address
            // (sql/engine/0026): they are about this person too.
            ExportSection(
                name: "unmatched_provider_events", tables: ["unmatched_provider_events"],
                page: { contact, _, after, limit in
                    let last: Int64 = if case .id(let id) = after { id } else { 0 }
                    return """
                        SELECT u.id, to_jsonb(u)::text AS row FROM \(identifier: unmatched) u
                        WHERE lower(u.email) = (SELECT lower(c.email) FROM \(identifier: contacts) c WHERE c.id = \(bind: contact))
                          AND u.id > \(bind: last)
                        ORDER BY u.id LIMIT \(bind: limit)
                        """
                }, key: { .id(try $0.decode("id")) }),
            // Segment identify messages applied for this external id (kept to apply each once).
            ExportSection(
                name: "identify_messages", tables: ["ingest_identify_messages"],
                page: { _, externalID, after, limit in
                    let last: Int64 = if case .id(let id) = after { id } else { 0 }
                    return """
                        SELECT n.ord AS id, n.row FROM (
                            SELECT row_number() OVER (ORDER BY m.received_at, m.message_id) AS ord, to_jsonb(m)::text AS row
                            FROM \(identifier: identifies) m WHERE m.external_id = \(bind: externalID)) n
                        WHERE n.ord > \(bind: last) ORDER BY n.ord LIMIT \(bind: limit)
                        """
                }, key: { .id(try $0.decode("id")) }),
        ]
    }
}
