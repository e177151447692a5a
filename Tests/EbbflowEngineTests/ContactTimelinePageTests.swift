// A contact's timeline in bounded pages: every entry once across pages, whatever shares an instant, and a heavy contact's page stays N entries.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ContactTimelinePageTests {
    /// The contact's id (the first contact of the schema).
    static func contact(_ connection: PGConnection, _ schema: SchemaName) async throws -> Int64 {
        try await connection.query("SELECT min(id) AS id FROM \(schema.qualified("contacts"))").first!.decode("id")
    }

    /// Three rows of each source at each of four instants (and one lone event): ties within
    /// a source and across sources at every instant.
    static func seed(_ connection: PGConnection, _ schema: SchemaName) async throws {
        let s = schema.quoted
        try await connection.simpleQuery(
            """
            INSERT INTO \(s).contacts (external_id, email, segment, status_changed_at, created_at)
            VALUES ('tied', 'tied@example.com', 'retail', '2027-01-01', '2027-01-01'), ('other', NULL, 'retail', '2027-01-01', '2027-01-01');
            CREATE TEMP TABLE instants AS
                SELECT timestamptz '2027-01-10 10:00+00' + n * interval '1 hour' AS at FROM generate_series(0, 3) n;
            INSERT INTO \(s).engagement_events (contact_id, external_id, kind, occurred_at, received_at, applied_at, points, machine_open, bot)
            SELECT c.id, c.external_id, 'open', i.at, i.at, i.at, 3, k = 2, false FROM instants i, generate_series(1, 3) k, \(s).contacts c
            WHERE c.external_id IN ('tied', 'other');
            INSERT INTO \(s).engagement_events (contact_id, external_id, kind, occurred_at, received_at, applied_at, rejection)
            SELECT id, external_id, 'mystery', '2027-01-10 09:00+00', '2027-01-10 09:00+00', '2027-01-10 09:00+00', 'unknown kind'
            FROM \(s).contacts WHERE external_id = 'tied';
            INSERT INTO \(s).transitions (contact_id, from_status, to_status, reason, at, detail)
            SELECT c.id, 'active', 'engaged', 'score_threshold', i.at, 'k' || k FROM instants i, generate_series(1, 3) k, \(s).contacts c
            WHERE c.external_id = 'tied';
            INSERT INTO \(s).sends (contact_id, flow, step, template, channel, at, state, attempts, last_error)
            SELECT c.id, 'welcome', k, 'hello', 'email', i.at, 'failed', 1, 'mailbox full' FROM instants i, generate_series(1, 3) k, \(s).contacts c
            WHERE c.external_id = 'tied';
            INSERT INTO \(s).stream_decisions (contact_id, at, trigger, previous, chosen, reason, candidates)
            SELECT c.id, i.at, 'event', NULL, 'promotion', 'entered', '[{"stream": "promotion", "priority": 1}]'
            FROM instants i, generate_series(1, 3) k, \(s).contacts c WHERE c.external_id = 'tied';
            DROP TABLE instants;
            """)
    }

    /// The whole timeline in its order, newest first, straight from the four tables.
    static func expected(_ connection: PGConnection, _ schema: SchemaName, _ id: Int64) async throws -> [String] {
        let s = schema.quoted
        return try await connection.query(
            """
            SELECT source || ':' || id AS entry FROM (
                SELECT occurred_at AS at, 0 AS rank, 'event' AS source, id FROM \(s).engagement_events WHERE contact_id = $1
                UNION ALL SELECT at, 1, 'transition', id FROM \(s).transitions WHERE contact_id = $1
                UNION ALL SELECT at, 2, 'decision', id FROM \(s).stream_decisions WHERE contact_id = $1
                UNION ALL SELECT at, 3, 'send', id FROM \(s).sends WHERE contact_id = $1) t
            ORDER BY at DESC, rank DESC, id DESC
            """, [id]
        ).rows.map { try $0.decode("entry") }
    }

    static func label(_ item: ContactTimelineItem) -> String { "\(item.cursor.source.name):\(item.cursor.id)" }

    @Test(arguments: [1, 2, 4, 7, 13, 100])
    func pagesNeitherSkipNorRepeatAcrossTiedSources(limit: Int) async throws {
        try await MigratedSchema.with { connection, schema in
            try await Self.seed(connection, schema)
            let id = try await Self.contact(connection, schema)
            let expected = try await Self.expected(connection, schema, id)
            #expect(expected.count == 49)
            let pages = ContactTimelinePage(schema: schema)
            var seen: [String] = []
            var cursor: ContactTimelineCursor?
            var count = 0
            repeat {
                // Through the token, as the dashboard's "older" link carries it.
                let before = try cursor.map { try ContactTimelineCursor(token: $0.token) }
                let page = try await connection.run {
                    try pages.page(contactID: id, before: before, limit: limit, on: $0)
                }
                #expect(page.items.count <= limit)
                #expect(page.items.count == limit || page.older == nil)
                seen += page.items.map(Self.label)
                cursor = page.older
                count += 1
            } while cursor != nil && count < 100
            #expect(seen == expected)
        }
    }

    @Test func entriesCarryWhatThePageShows() async throws {
        try await MigratedSchema.with { connection, schema in
            try await Self.seed(connection, schema)
            let id = try await Self.contact(connection, schema)
            let page = try await connection.run {
                try ContactTimelinePage(schema: schema).page(contactID: id, before: nil, limit: 500, on: $0)
            }
            #expect(page.items.count == 49 && page.older == nil)
            var machine = 0
            for item in page.items {
                switch item.detail {
                case .event(let event):
                    if event.machineOpen { machine += 1 }
                    if event.kind == "mystery" { #expect(event.rejection == "unknown kind" && event.points == nil) }
                case .transition(let step):
                    #expect(
                        step.to == .engaged && step.reason == "score_threshold" && step.detail?.hasPrefix("k") == true)
                case .send(let send):
                    #expect(send.state == "failed" && send.attempts == 1 && send.lastError == "mailbox full")
                case .decision(let decision):
                    #expect(
                        decision.chosen == "promotion"
                            && String(decoding: decision.candidates.bytes, as: UTF8.self).contains("priority"))
                }
            }
            #expect(machine == 4)
            #expect(page.items.last.map(Self.label)?.hasPrefix("event:") == true, "the rejected event is the oldest")
        }
    }

    /// 20,000 events: a page is N entries, the newest, and the next page continues below it.
    @Test func heavyContactGivesBoundedPages() async throws {
        try await MigratedSchema.with { connection, schema in
            let s = schema.quoted
            try await connection.simpleQuery(
                """
                INSERT INTO \(s).contacts (external_id, email, segment, status_changed_at, created_at)
                VALUES ('heavy', NULL, 'retail', '2027-01-01', '2027-01-01');
                INSERT INTO \(s).engagement_events (contact_id, external_id, kind, occurred_at, received_at, applied_at, points)
                SELECT c.id, c.external_id, 'open', timestamptz '2027-01-01 00:00+00' + g * interval '1 minute', now(), now(), 1
                FROM generate_series(1, 20000) g, \(s).contacts c;
                ANALYZE \(s).engagement_events;
                """)
            let id = try await Self.contact(connection, schema)
            let pages = ContactTimelinePage(schema: schema)
            let first = try await connection.run { try pages.page(contactID: id, before: nil, limit: 200, on: $0) }
            #expect(first.items.count == 200)
            #expect(first.items.first?.at == Date(timeIntervalSince1970: 1_798_761_600 + 20_000 * 60))
            let second = try await connection.run {
                try pages.page(contactID: id, before: first.older, limit: 200, on: $0)
            }
            #expect(second.items.count == 200)
            #expect(second.items.first?.at == first.items.last!.at.addingTimeInterval(-60))
        }
    }

    @Test func badCursorAndLimitAreRefusedNamingTheField() async throws {
        for token in [
            "", "1.event", "x.event.1", "1.nothing.1", "1.event.0", "1.event.1.2", String(repeating: "9", count: 70),
            "-9223372036854775808.event.1", "1.event.-1",
        ] {
            #expect(throws: DashboardInputError.self) { try ContactTimelineCursor(token: token) }
            do {
                _ = try ContactTimelineCursor(token: token)
            } catch {
                #expect(error.field == "before")
            }
        }
        let cursor = ContactTimelineCursor(at: Date(timeIntervalSince1970: 1_800_000_000.123456), source: .send, id: 42)
        #expect(try ContactTimelineCursor(token: cursor.token) == cursor)
        try await MigratedSchema.with { connection, schema in
            for limit in [0, -1, 501] {
                await #expect(throws: DashboardInputError(field: "limit", "\(limit) is outside 1...500")) {
                    try await connection.run {
                        try ContactTimelinePage(schema: schema).page(contactID: 1, before: nil, limit: limit, on: $0)
                    }
                }
            }
        }
    }
}
