// contacts export and forget against the real server: completeness, nothing identifying left, figures kept, no silent re-add.
import Crypto
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowEngine

@Suite struct PrivacyTests {
    static let person = "person-7f3a9"
    static let email = "Ann.Person@Example.com"

    /// One contact named in every table that can name one: events (linked and not), sends with
    /// variables and an experiment, transitions with a consent detail, a flow skip, a stream
    /// membership and decision, pending and finished jobs, an identify message.
    func seed(_ connection: PGConnection, _ schema: SchemaName) async throws -> Int64 {
        let q = schema.quoted
        _ = try await ContactImporter(schema: schema).importContacts(
            "external_id,email,segment,first_name\n\(Self.person),\(Self.email),retail,Annabelle-Q\nother-1,other@example.com,retail,Bo\n",
            format: .csv, on: connection)
        let id: Int64 = try await connection.query(
            "SELECT id FROM \(q).contacts WHERE external_id = $1", [Self.person]
        ).first!.decode("id")
        let events = """
            {"external_id": "\(Self.person)", "kind": "click", "occurred_at": "2026-01-02T10:00:00Z", "url": "https://example.com/ann", \
            "properties": {"who": "\(Self.email)"}, "provider_event_id": "sg-\(Self.person)", "source": "sendgrid"}
            {"external_id": "\(Self.person)", "kind": "open", "occurred_at": "2026-01-03T10:00:00Z"}
            {"external_id": "other-1", "kind": "open", "occurred_at": "2026-01-03T10:00:00Z"}
            """
        _ = try await EventImporter(schema: schema).importEvents(events, format: .ndjson, on: connection)
        try await connection.simpleQuery(
            """
            INSERT INTO \(q).streams (name, mode, priority, definition, created_at, updated_at)
                VALUES ('welcome', 'open', 1, '{}', now(), now());
            INSERT INTO \(q).stream_memberships (contact_id, stream, mode, entered_at, version) VALUES (\(id), 'welcome', 'open', now(), 1);
            INSERT INTO \(q).stream_decisions (contact_id, at, trigger, previous, chosen, reason, candidates)
                VALUES (\(id), now(), 'event', NULL, 'welcome', 'highest priority', '[]');
            INSERT INTO \(q).sends (contact_id, flow, step, template, channel, at, experiment, variant, variables)
                VALUES (\(id), 'welcome', 1, 'w1', 'email', '2026-01-02T09:00:00Z', 'subject-test', 'a',
                        jsonb_build_object('last_url', 'https://example.com/ann', 'email', '\(Self.email)'));
            INSERT INTO \(q).flow_skips (flow, contact_id, step, reason, at) VALUES ('welcome', \(id), 2, 'capped', now());
            INSERT INTO \(q).transitions (contact_id, from_status, to_status, reason, detail, at)
                VALUES (\(id), 'active', 'active', 'flow_entry', 'consent_source: form of \(Self.email)', now());
            INSERT INTO \(q).jobs (state, queue, kind, args, run_at, created_at, subject)
                VALUES ('scheduled', 'default', 'flow_step', jsonb_build_object('contact_id', \(id), 'flow', 'welcome', 'step', 2),
                        now() + interval '1 day', now(), 'contact:\(id)'),
                       ('scheduled', 'default', 'stream_step', jsonb_build_object('contact_id', \(id), 'stream', 'welcome'),
                        now() + interval '1 day', now(), 'contact:\(id)');
            INSERT INTO \(q).finished_jobs (id, state, queue, kind, args, priority, run_at, attempt, max_attempts, errors, created_at,
                                            finished_at, subject)
                VALUES (900001, 'completed', 'default', 'flow_step', jsonb_build_object('contact_id', \(id), 'step', 1), 0, now(), 1, 20,
                        '[]', now(), now(), 'contact:\(id)');
            INSERT INTO \(q).ingest_identify_messages (message_id, external_id, received_at) VALUES ('m-1', '\(Self.person)', now());
            INSERT INTO \(q).unmatched_provider_events (provider, provider_event_id, kind, occurred_at, received_at, email, url,
                                                        properties, reason)
                VALUES ('mailgun', 'mg-unmatched-1', 'open', now(), now(), lower('\(Self.email)'), 'https://example.com/ann',
                        jsonb_build_object('to', '\(Self.email)'), 'no contact had the address then');
            INSERT INTO \(q).tracked_links (send_id, link_index, url, created_at)
                SELECT id, 0, 'https://example.com/ann?who=\(Self.person)', now() FROM \(q).sends WHERE contact_id = \(id);
            UPDATE \(q).sends SET last_error = '550 5.1.1 <\(Self.email)>: no such user' WHERE contact_id = \(id);
            INSERT INTO \(q).send_errors (send_id, attempt, at, error, permanent)
                SELECT id, 1, now(), '550 5.1.1 <\(Self.email)>: no such user', true FROM \(q).sends WHERE contact_id = \(id);
            """)
        return id
    }

    /// Every row of every text, varchar, jsonb or array column of every table of the schema
    /// that contains `needle` (case-insensitively), as "table.column". A catalogue query, so a
    /// table or column added later is searched too.
    static func mentions(_ needle: String, _ connection: PGConnection, _ schema: SchemaName) async throws -> [String] {
        let columns = try await connection.query(
            """
            SELECT c.relname AS t, a.attname AS col FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
              AND (format_type(a.atttypid, a.atttypmod) IN ('text', 'jsonb', 'json', 'character varying', 'text[]', 'bytea')
                   OR a.atttypid IN (SELECT oid FROM pg_type WHERE typtype = 'e'))
            ORDER BY 1, 2
            """, [schema.name]
        ).rows.map { (try $0.decode("t", as: String.self), try $0.decode("col", as: String.self)) }
        var found: [String] = []
        for (table, column) in columns {
            let n: Int = try await connection.query(
                """
                SELECT count(*) AS n FROM \(schema.qualified(table)) x
                WHERE position(lower($1) IN lower(x."\(column)"::text)) > 0
                   OR position(lower(encode(convert_to($1, 'UTF8'), 'hex')) IN lower(x."\(column)"::text)) > 0
                """, [needle]
            ).first!.decode("n")
            if n > 0 { found.append("\(table).\(column)") }
        }
        return found
    }

    @Test func forgettingLeavesNothingThatIdentifiesThePerson() async throws {
        try await MigratedSchema.with { connection, schema in
            let id = try await seed(connection, schema)
            #expect(try await Self.mentions(Self.person, connection, schema).count >= 4, "the seed names the person")
            #expect(try await Self.mentions(Self.email, connection, schema).count >= 3)
            let outcome = try await ContactForgetting(schema: schema).forget(
                externalID: Self.person, via: "test", on: connection)
            guard case .forgotten(let tombstone, let from, let kept, let cancelled) = outcome else {
                Issue.record("\(outcome)")
                return
            }
            #expect(from == .active && kept == 2 && cancelled == 2)
            #expect(tombstone.hasPrefix("forgotten:"))
            for needle in [Self.person, Self.email, "Annabelle-Q", "example.com/ann", "sg-\(Self.person)"] {
                #expect(try await Self.mentions(needle, connection, schema) == [], "\(needle) is still held")
            }
            let q = schema.quoted
            let contact = try await connection.query(
                "SELECT campaign_status::text AS s, suppression_reason, email, attributes::text AS a FROM \(q).contacts WHERE id = \(id)"
            ).first!
            #expect(try contact.decode("s", as: String.self) == "suppressed")
            #expect(try contact.decode("suppression_reason", as: String?.self) == "forgotten")
            #expect(try contact.decode("email", as: String?.self) == nil)
            #expect(try contact.decode("a", as: String.self) == "{}")
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(q).transitions WHERE contact_id = \(id) AND reason = 'forgotten'") == 1
            )
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(q).contact_audit WHERE contact_id = \(id) AND action = 'forget'") == 1)
            #expect(
                try await MigratedSchema.count(connection, "SELECT 1 FROM \(q).jobs WHERE subject = 'contact:\(id)'")
                    == 0)
            #expect(
                try await MigratedSchema.count(
                    connection,
                    "SELECT 1 FROM \(q).finished_jobs WHERE subject = 'contact:\(id)' AND state = 'cancelled'")
                    == 2)
            #expect(try await MigratedSchema.count(connection, "SELECT 1 FROM \(q).forgotten_digests") == 2)
            // Again, by either name: a clear no-op.
            let forgetting = ContactForgetting(schema: schema)
            #expect(
                try await forgetting.forget(externalID: Self.person, via: "test", on: connection) == .alreadyForgotten)
            #expect(
                try await forgetting.forget(externalID: tombstone, via: "test", on: connection) == .alreadyForgotten)
            #expect(try await forgetting.forget(externalID: "nobody", via: "test", on: connection) == .notFound)
            #expect(
                try await MigratedSchema.count(connection, "SELECT 1 FROM \(q).contact_audit WHERE action = 'forget'")
                    == 1)
            // A provider's later event for the address matches no one and is kept without it.
            let report = try await ProviderEventRecorder(schema: schema).record(
                [
                    ProviderEvent(
                        provider: "sendgrid", providerEventID: "sg-later", kind: "open", email: Self.email.uppercased(),
                        url: "https://example.com/ann")
                ], on: connection)
            #expect(report.unmatched == 1, "\(report)")
            #expect(try await Self.mentions(Self.email, connection, schema) == [])
            #expect(try await Self.mentions("example.com/ann", connection, schema) == [])
            #expect(
                try await MigratedSchema.count(
                    connection,
                    "SELECT 1 FROM \(q).unmatched_provider_events WHERE email IS NULL AND reason LIKE '%forgotten person%'"
                )
                    == 2)
        }
    }

    /// What the figures read (event kinds, times and flags per contact; sends per experiment and
    /// variant; the stored counters and snapshots) is the same after an erasure; the person's
    /// send still due is cancelled.
    @Test func theFiguresAreTheSameAfterAnErasure() async throws {
        try await MigratedSchema.with { connection, schema in
            let id = try await seed(connection, schema)
            let q = schema.quoted
            try await connection.simpleQuery(
                """
                INSERT INTO \(q).stream_outcomes (stream, segment, status, sends, goals) VALUES ('welcome', 'retail', 'active', 4, 1);
                INSERT INTO \(q).audience_snapshots (taken_on, segment, status, contacts) VALUES ('2026-01-01', 'retail', 'active', 2);
                """)
            let figures = """
                SELECT (SELECT jsonb_agg(jsonb_build_array(contact_id, kind, occurred_at, machine_open, bot, points, applied_at IS NOT NULL,
                                                           rejection) ORDER BY id) FROM \(q).engagement_events)::text
                    || (SELECT jsonb_agg(jsonb_build_array(contact_id, flow, step, template, at, experiment, variant,
                                                           goal_credited_at) ORDER BY id) FROM \(q).sends)::text
                    || (SELECT jsonb_agg(to_jsonb(o) ORDER BY stream) FROM \(q).stream_outcomes o)::text
                    || (SELECT jsonb_agg(to_jsonb(a) ORDER BY taken_on) FROM \(q).audience_snapshots a)::text
                    || (SELECT jsonb_agg(jsonb_build_array(id, segment) ORDER BY id) FROM \(q).contacts)::text AS f
                """
            let before: String = try await connection.query(figures).first!.decode("f")
            _ = try await ContactForgetting(schema: schema).forget(externalID: Self.person, via: "test", on: connection)
            let after: String = try await connection.query(figures).first!.decode("f")
            #expect(before == after)
            // No figure reads a send's state: its send still due is cancelled, as at any suppression.
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(q).sends WHERE state = 'cancelled' AND cancel_reason = 'suppressed'")
                    == 1)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(q).engagement_events WHERE contact_id = \(id) AND kind = 'click'") == 1
            )
        }
    }

    @Test func aForgottenPersonIsNotSilentlyReAdded() async throws {
        try await MigratedSchema.with { connection, schema in
            _ = try await seed(connection, schema)
            _ = try await ContactForgetting(schema: schema).forget(externalID: Self.person, via: "test", on: connection)
            let importer = ContactImporter(schema: schema)
            let refused = try await importer.importContacts(
                "external_id,email\n\(Self.person),\nsomeone-new,  ann.person@EXAMPLE.com \nfine-1,fine@example.com\n",
                format: .csv, on: connection)
            #expect(refused.inserted == 1)
            #expect(refused.rejected.map(\.line) == [2, 3])
            #expect(refused.rejected.allSatisfy { $0.reason == ForgottenPeople.refusal }, "\(refused.rejected)")
            // An event for the forgotten external id: rejected, kept without the identifier.
            let events = try await EventImporter(schema: schema).importEvents(
                #"{"external_id": "\#(Self.person)", "kind": "click", "url": "https://example.com/again"}"#,
                format: .ndjson, on: connection)
            #expect(events.rejected.map(\.reason) == [ForgottenPeople.eventRefusal])
            #expect(events.unknownContacts.isEmpty)
            #expect(try await Self.mentions(Self.person, connection, schema) == [])
            #expect(try await Self.mentions("example.com/again", connection, schema) == [])
            // An identify without a consent source: rejected in the report, nothing kept.
            let ingest = IngestService(schema: schema)
            let identify = #"""
                {"batch": [{"type": "identify", "messageId": "id-1", "userId": "\#(Self.person)", "traits": {"plan": "pro"}},
                           {"type": "identify", "messageId": "id-2", "userId": "fresh-1", "traits": {"email": "fresh@example.com"}}]}
                """#
            let report = try await ingest.ingest(IngestRequest(endpoint: .batch, body: identify), on: connection)
            #expect(report.accepted == 1)
            #expect(report.rejected.map(\.reason) == [ForgottenPeople.refusal], "\(report)")
            #expect(report.rejected.map(\.messageID) == ["id-1"])
            #expect(try await Self.mentions(Self.person, connection, schema) == [])
            // With a consent source: re-added, digests gone, audit row with the source.
            let back = try await importer.importContacts(
                "external_id,email,consent_source\n\(Self.person),\(Self.email),double opt-in 2026-02-01\n",
                format: .csv, on: connection)
            #expect(back.inserted == 1 && back.readded == 1 && back.rejected.isEmpty, "\(back.rejected)")
            let q = schema.quoted
            #expect(try await MigratedSchema.count(connection, "SELECT 1 FROM \(q).forgotten_digests") == 0)
            #expect(
                try await connection.query(
                    """
                    SELECT a.detail FROM \(q).contact_audit a JOIN \(q).contacts c ON c.id = a.contact_id
                    WHERE c.external_id = $1 AND a.action = 'readd' AND a.via = 'import'
                    """, [Self.person]
                ).first?.decode("detail", as: String.self) == "double opt-in 2026-02-01")
        }
    }

    @Test func identifyWithAConsentSourceReAddsThePerson() async throws {
        try await MigratedSchema.with { connection, schema in
            _ = try await seed(connection, schema)
            _ = try await ContactForgetting(schema: schema).forget(externalID: Self.person, via: "test", on: connection)
            let identify =
                #"{"type": "identify", "messageId": "id-3", "userId": "\#(Self.person)", "traits": {"consent_source": "app signup"}}"#
            let report = try await IngestService(schema: schema).ingest(
                IngestRequest(endpoint: .identify, body: identify), on: connection)
            #expect(report.accepted == 1 && report.rejected.isEmpty, "\(report)")
            let q = schema.quoted
            #expect(
                try await MigratedSchema.count(
                    connection,
                    """
                    SELECT 1 FROM \(q).contact_audit a JOIN \(q).contacts c ON c.id = a.contact_id
                    WHERE c.external_id = '\(Self.person)' AND a.action = 'readd' AND a.via = 'identify' AND a.detail = 'app signup'
                    """) == 1)
            // The email digest stays (the identify did not give the email): a new contact with it is still refused.
            let other = try await ContactImporter(schema: schema).importContacts(
                "external_id,email\nn-2,\(Self.email)\n", format: .csv, on: connection)
            #expect(other.rejected.map(\.reason) == [ForgottenPeople.refusal])
        }
    }

    /// The digest is HMAC-SHA256 under the database's key, as swift-crypto computes it, both by
    /// the function (the event trigger's) and by the inline expression (the imports').
    @Test func theDigestIsHMACSHA256UnderTheDatabasesKey() async throws {
        try await MigratedSchema.with { connection, schema in
            let key: Data = try await connection.query("SELECT hmac_key FROM \(schema.quoted).privacy_secret").first!
                .decode("hmac_key")
            let value = "ann.person@example.com"
            let expected = Data(HMAC<SHA256>.authenticationCode(for: Data(value.utf8), using: SymmetricKey(data: key)))
            let row = try await connection.query(
                """
                SELECT \(schema.qualified("privacy_digest"))($1) AS f, \(ForgottenPeople.digest("$1::text")) AS i
                FROM \(schema.qualified("privacy_secret")) ps
                """, [value]
            ).first!
            #expect(try row.decode("f", as: Data.self) == expected)
            #expect(try row.decode("i", as: Data.self) == expected)
            // Another database's key differs: the key is generated, not fixed.
            try await MigratedSchema.with { other, otherSchema in
                let otherKey: Data = try await other.query(
                    "SELECT hmac_key FROM \(otherSchema.quoted).privacy_secret"
                ).first!.decode("hmac_key")
                #expect(otherKey != key && otherKey.count == 32)
            }
        }
    }

    @Test func anExportHoldsEverySectionAndEveryTableThatNamesAContact() async throws {
        try await MigratedSchema.with { connection, schema in
            let id = try await seed(connection, schema)
            let text = Collected()
            let outcome = try await ContactExporting(schema: schema).export(
                externalID: Self.person, via: "test", on: connection, write: { text.append($0) })
            guard case .exported = outcome else {
                Issue.record("\(outcome)")
                return
            }
            let document = try JSONSerialization.jsonObject(with: Data(text.value.utf8)) as! [String: Any]
            let contact = document["contact"] as! [String: Any]
            #expect(contact["email"] as? String == Self.email)
            #expect((contact["attributes"] as? [String: Any])?["first_name"] as? String == "Annabelle-Q")
            let counts = [
                "audit": 1, "transitions": 1, "events": 2, "unlinked_events": 0, "sends": 1,
                "experiment_assignments": 1,
                "flow_skips": 1, "stream_memberships": 1, "stream_decisions": 1, "jobs": 2, "finished_jobs": 1,
                "identify_messages": 1, "unmatched_provider_events": 1, "tracked_links": 1, "send_errors": 1,
            ]
            for (section, count) in counts {
                #expect((document[section] as? [Any])?.count == count, "\(section)")
            }
            let click = (document["events"] as! [[String: Any]]).first { $0["kind"] as? String == "click" }
            #expect(click?["url"] as? String == "https://example.com/ann")
            #expect((click?["properties"] as? [String: Any])?["who"] as? String == Self.email)
            #expect(
                try await MigratedSchema.count(
                    connection,
                    "SELECT 1 FROM \(schema.quoted).contact_audit WHERE contact_id = \(id) AND action = 'export'") == 1)
            // Every table with a column that can name a contact is read by a section.
            let naming: [String] = try await connection.query(
                """
                SELECT DISTINCT c.relname AS t FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
                  AND a.attname IN ('contact_id', 'external_id', 'email', 'subject')
                ORDER BY 1
                """, [schema.name]
            ).rows.map { try $0.decode("t") }
            let covered = Set(ExportSection.all(schema: schema).flatMap(\.tables) + ["contacts"])
            #expect(naming.filter { !covered.contains($0) } == [])
            // A forgotten person's old id: nothing but digests.
            _ = try await ContactForgetting(schema: schema).forget(externalID: Self.person, via: "test", on: connection)
            #expect(
                try await ContactExporting(schema: schema).export(
                    externalID: Self.person, via: "test", on: connection, write: { _ in }) == .forgotten)
            #expect(
                try await ContactExporting(schema: schema).export(
                    externalID: "nobody", via: "test", on: connection, write: { _ in }) == .notFound)
        }
    }

    /// A long history is written in pages, in order, as one valid document.
    @Test func anExportOfManyEventsIsPagedInOrder() async throws {
        try await MigratedSchema.with { connection, schema in
            _ = try await ContactImporter(schema: schema).importContacts(
                "external_id\nbusy\n", format: .csv, on: connection)
            try await connection.execute(
                """
                INSERT INTO \(schema.quoted).engagement_events (contact_id, external_id, kind, occurred_at, received_at, applied_at)
                SELECT c.id, 'busy', 'open', timestamptz '2026-01-01' + (g % 700) * interval '1 minute', now(), now()
                FROM \(schema.quoted).contacts c, generate_series(1, 2500) g
                """)
            let text = Collected()
            _ = try await ContactExporting(schema: schema).export(
                externalID: "busy", via: "test", on: connection, write: { text.append($0) })
            #expect(text.chunks > 1)
            let document = try JSONSerialization.jsonObject(with: Data(text.value.utf8)) as! [String: Any]
            let ids = (document["events"] as! [[String: Any]]).map { $0["id"] as! Int }
            #expect(ids.count == 2500 && Set(ids).count == 2500)
        }
    }

    @Test func anImportLiftsASuppressionOnlyWithAConsentSourceAndNeverAComplaint() async throws {
        try await MigratedSchema.with { connection, schema in
            let q = schema.quoted
            let importer = ContactImporter(schema: schema)
            _ = try await importer.importContacts(
                "external_id,campaign_status\nu-1,active\nc-1,active\nm-1,suppressed\n", format: .csv, on: connection)
            try await connection.simpleQuery(
                """
                UPDATE \(q).contacts SET campaign_status = 'suppressed', suppression_reason = 'unsubscribed' WHERE external_id = 'u-1';
                UPDATE \(q).contacts SET campaign_status = 'suppressed', suppression_reason = 'complaint' WHERE external_id = 'c-1';
                """)
            #expect(
                try await connection.query("SELECT suppression_reason FROM \(q).contacts WHERE external_id = 'm-1'")
                    .first!
                    .decode("suppression_reason", as: String?.self) == "manual_suppression")
            let first = try await importer.importContacts(
                "external_id,campaign_status,consent_source\nu-1,active,\nc-1,active,call\nm-1,active,\n", format: .csv,
                on: connection)
            #expect(first.statusChanges == 0 && first.rejected.map(\.line) == [2, 3, 4])
            #expect(first.rejected[0].reason.contains("needs consent_source"), "\(first.rejected)")
            #expect(first.rejected[1].reason.contains("never reinstated by an import"), "\(first.rejected)")
            let second = try await importer.importContacts(
                "external_id,campaign_status,consent_source\nu-1,active,web form 2026-03-01\n", format: .csv,
                on: connection)
            #expect(second.statusChanges == 1 && second.rejected.isEmpty)
            let row = try await connection.query(
                """
                SELECT c.campaign_status::text AS s, c.suppression_reason, t.detail, t.reason FROM \(q).contacts c
                JOIN \(q).transitions t ON t.contact_id = c.id WHERE c.external_id = 'u-1' ORDER BY t.id DESC LIMIT 1
                """
            ).first!
            #expect(try row.decode("s", as: String.self) == "active")
            #expect(try row.decode("suppression_reason", as: String?.self) == nil)
            #expect(try row.decode("detail", as: String?.self) == "consent_source: web form 2026-03-01")
            #expect(try row.decode("reason", as: String.self) == "manual_reinstatement")
            let suppress = try await importer.importContacts(
                "external_id,campaign_status\nu-1,suppressed\n", format: .csv, on: connection)
            #expect(suppress.statusChanges == 1)
            #expect(
                try await connection.query("SELECT suppression_reason FROM \(q).contacts WHERE external_id = 'u-1'")
                    .first!
                    .decode("suppression_reason", as: String?.self) == "manual_suppression")
            let long = String(repeating: "x", count: ForgottenPeople.maxConsentSourceBytes + 1)
            let bounded = try await importer.importContacts(
                "external_id,campaign_status,consent_source\nu-1,active,\(long)\n", format: .csv, on: connection)
            #expect(bounded.rejected.first?.reason.contains("consent_source is 1001 bytes long") == true)
        }
    }
}

/// Text handed over by an export, in order.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    private var count = 0
    func append(_ chunk: String) {
        lock.withLock {
            text += chunk
            count += 1
        }
    }
    var value: String { lock.withLock { text } }
    var chunks: Int { lock.withLock { count } }
}

extension PrivacyTests {
    /// The lookup other writers (a webhook's unmatched events) use: email normalised, either name.
    @Test func theLookupRecognisesAForgottenEmailOrExternalID() async throws {
        try await MigratedSchema.with { connection, schema in
            _ = try await seed(connection, schema)
            let lookup = ForgottenLookup(schema: schema)
            #expect(!(try await connection.run { try lookup.isForgotten(email: Self.email, externalID: nil, on: $0) }))
            _ = try await ContactForgetting(schema: schema).forget(externalID: Self.person, via: "test", on: connection)
            #expect(
                try await connection.run {
                    try lookup.isForgotten(email: " ANN.person@example.COM ", externalID: nil, on: $0)
                })
            #expect(try await connection.run { try lookup.isForgotten(email: nil, externalID: Self.person, on: $0) })
            #expect(
                !(try await connection.run {
                    try lookup.isForgotten(email: "other@example.com", externalID: "other-1", on: $0)
                }))
        }
    }
}
