// Events that must not be scored (unknown kind, dated past max_future_skew) are kept rejected with a reason, on every path.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

@Suite struct EventRejectionTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// Runs everything due with the engine's handlers, in process, then returns.
    func drainEngine(_ schema: SchemaName) async throws {
        var registry = JobRegistry.builtins()
        registry.registerEngine(schema: schema)
        try await QueueWorker(
            database: try TestDatabase.configuration, schema: schema, registry: registry,
            configuration: WorkerConfiguration(listen: false, drain: true), logger: QuietLogger.logger
        ).run()
    }

    func contact(_ schema: SchemaName, _ connection: PGConnection) async throws -> (
        score: Double, last: Date?, now: Date
    ) {
        let row = try await connection.query(
            """
            SELECT engagement_score, last_engagement_at, \(schema.quoted).clock_now() AS now FROM \(schema.quoted).contacts WHERE external_id = 'k'
            """
        ).first!
        return (try row.decode("engagement_score"), try row.decode("last_engagement_at"), try row.decode("now"))
    }

    /// Issue 14 item 14: a row inserted with only external_id waited for the minute poller,
    /// and a kind the importer refuses (`opn`) was applied with 0 points. The insert makes its
    /// apply job at once (linked to the contact as it is inserted), and `opn` is kept rejected
    /// with its reason, settled once, never scored.
    @Test func insertedEventsAreAppliedAtOnceAndUnknownKindsRejected() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = EventStore(schema: schema)
            try await connection.run { [start] connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                try store.upsertContact(externalID: "k", email: nil, segment: "retail", now: start, on: connection)
            }
            try await connection.simpleQuery(
                """
                INSERT INTO \(schema.quoted).engagement_events (external_id, kind, occurred_at)
                VALUES ('k', 'click', \(schema.quoted).clock_now()), ('k', 'opn', \(schema.quoted).clock_now())
                """)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE kind = 'apply_events'") == 1,
                "the insert itself made the apply job: no wait for the minute poller")
            try await drainEngine(schema)
            #expect(try await contact(schema, connection).score == 10)
            let rows = try await connection.query(
                """
                SELECT kind, points, applied_at IS NOT NULL AS settled, rejection FROM \(schema.quoted).engagement_events ORDER BY id
                """
            ).rows
            #expect(rows.count == 2)
            #expect(
                try rows[0].decode("points", as: Int?.self) == 10
                    && rows[0].decode("rejection", as: String?.self) == nil)
            let reason = try rows[1].decode("rejection", as: String?.self) ?? ""
            #expect(
                try rows[1].decode("points", as: Int?.self) == nil && rows[1].decode("settled", as: Bool.self),
                "settled, not scored")
            #expect(reason.hasPrefix("unknown event kind \"opn\" (accepted: "), "\(reason)")
            let listed = try await connection.run { try RejectedEventStore(schema: schema).list(limit: 10, on: $0) }
            #expect(listed.map(\.kind) == ["opn"] && listed.first?.reason == reason)
            try await drainEngine(schema)
            #expect(try await contact(schema, connection).score == 10, "settled once")
        }
    }

    /// Issue 14 item 7: an open dated a year ahead left three later clicks at 5.7, and one
    /// dated 2999 wiped the score. Past `max_future_skew` (default 10m) an event is rejected
    /// with its reason, through an import and through a row inserted into the table; within
    /// it the event counts as happening now, so `last_engagement_at` never passes the clock.
    @Test func futureDatedEventsAreRejectedAndNeverFreezeTheScore() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = EventStore(schema: schema)
            try await connection.run { [start] connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                try store.upsertContact(externalID: "k", email: nil, segment: "retail", now: start, on: connection)
            }
            let yearAhead = start.addingTimeInterval(365 * 86_400).formatted(.iso8601)
            let lines = [
                #"{"external_id": "k", "kind": "open", "occurred_at": "\#(yearAhead)"}"#,
                #"{"external_id": "k", "kind": "click"}"#, #"{"external_id": "k", "kind": "click"}"#,
                #"{"external_id": "k", "kind": "click"}"#,
            ]
            let report = try await EventImporter(schema: schema).importEvents(
                lines.joined(separator: "\n"), format: .ndjson, on: connection)
            #expect(report.applied == 3, "the open is not applied")
            var state = try await contact(schema, connection)
            #expect(state.score == 30 && state.last == state.now, "\(state)")
            // Straight into the table: 2999 rejected, 5 minutes ahead applied as of now.
            try await connection.simpleQuery(
                """
                INSERT INTO \(schema.quoted).engagement_events (external_id, kind, occurred_at) VALUES
                    ('k', 'open', timestamptz '2999-01-01 00:00:00+00'), ('k', 'open', \(schema.quoted).clock_now() + interval '5 minutes')
                """)
            try await drainEngine(schema)
            state = try await contact(schema, connection)
            #expect(state.score == 35 && state.last == state.now, "never past the clock: \(state)")
            let reasons: [String] = try await connection.query(
                "SELECT rejection FROM \(schema.quoted).engagement_events WHERE rejection IS NOT NULL ORDER BY id"
            ).rows.map { try $0.decode("rejection") }
            #expect(reasons.count == 2, "\(reasons)")
            #expect(
                reasons.allSatisfy { $0.contains("is more than max_future_skew 10m ahead of the database clock") },
                "\(reasons)")
            #expect(reasons.last?.hasPrefix("occurred_at 2999-01-01T00:00:00Z ") == true, "\(reasons)")
        }
    }

    /// `max_future_skew` is a bounded duration: 0 to 1d.
    @Test func maxFutureSkewIsBounded() throws {
        let zero = try PolicyDocument.parse(Data(#"{"default": {"max_future_skew": "0s"}}"#.utf8))
        #expect(zero.default.maxFutureSkewSeconds == 0)
        #expect(PolicyDocument().default.maxFutureSkew == "10m")
        for (text, reason) in [
            ("2d", "must be at most 1d"), ("soon", "is not a duration such as 90s, 15m, 12h, 3d or 1d12h"),
        ] {
            do {
                _ = try PolicyDocument.parse(Data(#"{"default": {"max_future_skew": "\#(text)"}}"#.utf8))
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.description == "policy field default.max_future_skew = \"\(text)\": \(reason)")
            }
        }
    }
}
