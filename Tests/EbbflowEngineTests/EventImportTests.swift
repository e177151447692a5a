// events import against the real server: exactly once on re-run, transient errors retried, never rejected.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Synchronization
import Testing

@Suite struct EventImportTests {
    func withContacts(_ count: Int, _ body: (PGConnection, SchemaName) async throws -> Void) async throws {
        try await MigratedSchema.with { connection, schema in
            try await connection.execute(
                """
                INSERT INTO \(schema.quoted).contacts (external_id, segment, status_changed_at, created_at)
                SELECT 'c-' || g, 'retail', now(), now() FROM generate_series(1, \(count)) g
                """)
            try await body(connection, schema)
        }
    }

    func eventCount(_ connection: PGConnection, _ schema: SchemaName) async throws -> Int {
        try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).engagement_events")
    }

    /// Lines without provider ids get a key derived from their content, so re-running an
    /// import that stopped part way (here: its first batch committed) stores each event once.
    @Test func reRunningAnImportWithoutProviderIDsAppliesEachEventOnce() async throws {
        try await withContacts(2) { connection, schema in
            let lines = [
                #"{"external_id": "c-1", "kind": "open", "occurred_at": "2026-01-01T09:00:00Z"}"#,
                #"{"external_id": "c-1", "kind": "open", "occurred_at": "2026-01-01T10:00:00Z"}"#,
                #"{"external_id": "c-2", "kind": "click", "occurred_at": "2026-01-01T11:00:00Z", "properties": {"b": 1, "a": 2}}"#,
                #"{"external_id": "c-2", "kind": "click", "occurred_at": "2026-01-01T11:00:00Z", "properties": {"a": 2, "b": 1}}"#,
            ]
            let importer = EventImporter(schema: schema)
            let first = try await importer.importEvents(
                lines.prefix(2).joined(separator: "\n"), format: .ndjson, on: connection)
            #expect(first.applied == 2)
            let again = try await importer.importEvents(
                lines.joined(separator: "\n"), format: .ndjson, batchSize: 1, on: connection)
            #expect(
                again.applied == 1 && again.duplicates == 3,
                "the same properties in another key order are the same event")
            #expect(again.committedLines == 4)
            #expect(try await eventCount(connection, schema) == 3)
            let score: Double = try await connection.query(
                "SELECT engagement_score FROM \(schema.quoted).contacts WHERE external_id = 'c-2'"
            ).first!.decode("engagement_score")
            #expect(score == 10)
            let keys = try await MigratedSchema.count(
                connection, "SELECT 1 FROM \(schema.quoted).engagement_events WHERE idempotency_key IS NOT NULL")
            #expect(keys == 3)
        }
    }

    /// A line with neither a provider id nor a time cannot say which event it is: keyed by its
    /// content alone, three identical undated clicks counted once and the same one-line import
    /// run again was dropped as a repeat; keyed by the clock, a frozen simulation clock did the
    /// same. Each is an event of its own, keyed by its import run and line: 1,500 identical
    /// lines over two batches under a frozen clock are 1,500 events.
    @Test func undatedLinesAreEachAnEventOfTheirOwn() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await connection.run { connection in
                try DatabaseClock(schema: schema).set(Date(timeIntervalSince1970: 1_800_000_000), on: connection)
                try EventStore(schema: schema).upsertContact(
                    externalID: "c-1", email: nil, segment: "retail",
                    now: Date(timeIntervalSince1970: 1_800_000_000), on: connection)
            }
            let click = #"{"external_id": "c-1", "kind": "click"}"#
            let importer = EventImporter(schema: schema)
            let many = try await importer.importEvents(
                Array(repeating: click, count: 1_500).joined(separator: "\n"), format: .ndjson, on: connection)
            #expect(
                many.applied == 1_500 && many.duplicates == 0, "\(many.applied) applied, \(many.duplicates) duplicates")
            let again = try await importer.importEvents(click, format: .ndjson, on: connection)
            #expect(
                again.applied == 1 && again.duplicates == 0, "a later import of the same undated line is a new event")
            #expect(try await eventCount(connection, schema) == 1_501)
        }
    }

    /// An event dated past `max_future_skew` is kept but rejected when settled: its line is a
    /// rejected line of the import (so the exit status says so), not a silent non-event.
    @Test func aFutureDatedLineIsReportedRejected() async throws {
        try await withContacts(1) { connection, schema in
            let lines = [
                #"{"external_id": "c-1", "kind": "open", "occurred_at": "2999-01-01T00:00:00Z"}"#,
                #"{"external_id": "c-1", "kind": "click", "occurred_at": "2020-01-01T00:00:00Z"}"#,
            ]
            let report = try await EventImporter(schema: schema).importEvents(
                lines.joined(separator: "\n"), format: .ndjson, on: connection)
            #expect(report.applied == 1)
            #expect(report.rejected.map(\.line) == [1], "\(report.rejected)")
            #expect(report.rejected.first?.reason.contains("max_future_skew") == true, "\(report.rejected)")
        }
    }

    /// A lock held past the importer's lock or statement timeout fails its batch with 55P03 or
    /// 57014: retried with backoff until the lock goes, never reported as a bad line.
    ///
    /// The lock is released from the importer's own third attempt (its prelude ends the
    /// holder's session), not after a sleep of the test's: under a full test run the test's
    /// tasks can wait minutes for a cooperative thread, while the import's retries run on the
    /// connection's thread and would spend all their attempts before a sleeping test woke.
    @Test(arguments: ["lock_timeout", "statement_timeout"])
    func timeoutsAreRetriedNotRejected(setting: String) async throws {
        try await withContacts(1) { connection, schema in
            let holder = try await TestDatabase.connect()
            try await holder.simpleQuery(
                "BEGIN; SELECT 1 FROM \(schema.quoted).contacts WHERE external_id = 'c-1' FOR UPDATE")
            let holderPID = try await holder.backendPID()
            try await connection.simpleQuery("SET \(setting) = '100ms'")
            let attempts = Mutex(0)
            let report = try await EventImporter(schema: schema).importEvents(
                #"{"external_id": "c-1", "kind": "click"}"#, format: .ndjson,
                inEachBatch: { connection in
                    let attempt = attempts.withLock { count in
                        count += 1
                        return count
                    }
                    if attempt == 3 {
                        try connection.simpleQuery("SELECT pg_terminate_backend(\(holderPID))")
                    }
                }, on: connection)
            #expect(report.rejected.isEmpty, "\(report.rejected)")
            #expect(report.applied == 1)
            #expect(attempts.withLock { $0 } >= 3, "the batch failed twice on the held lock and was retried")
            try await connection.simpleQuery("RESET \(setting)")
        }
    }

    /// A connection lost mid-batch (the server ended the session) is retried on a new one.
    @Test func aLostConnectionIsRetried() async throws {
        try await withContacts(1) { connection, schema in
            let killed = Mutex(false)
            let report = try await EventImporter(schema: schema).importEvents(
                #"{"external_id": "c-1", "kind": "click"}"#, format: .ndjson,
                inEachBatch: { connection in
                    if killed.withLock({ done in
                        defer { done = true }; return !done
                    }) {
                        try connection.simpleQuery("SELECT pg_terminate_backend(pg_backend_pid())")
                    }
                }, on: connection)
            #expect(report.rejected.isEmpty && report.applied == 1, "\(report.rejected)")
        }
    }

    /// A failure that is neither transient nor the data's stops the import and says how many
    /// lines were committed before it; re-running then applies each event once.
    @Test func aStoppedImportSaysHowManyLinesWereCommitted() async throws {
        try await withContacts(1) { connection, schema in
            let lines = (1...5).map {
                #"{"external_id": "c-1", "kind": "open", "occurred_at": "2026-01-01T09:00:0\#($0)Z"}"#
            }.joined(separator: "\n")
            let batches = Mutex(0)
            await #expect {
                _ = try await EventImporter(schema: schema).importEvents(
                    lines, format: .ndjson, batchSize: 2,
                    inEachBatch: { connection in
                        if batches.withLock({ count in
                            count += 1; return count == 2
                        }) {
                            try connection.simpleQuery("SELECT * FROM no_such_table")
                        }
                    }, on: connection)
            } throws: { error in
                let stopped = error as? ImportStopped
                return stopped?.line == 3 && stopped?.committedLines == 2
                    && "\(error)".contains("2 line(s) before it were committed")
            }
            let rerun = try await EventImporter(schema: schema).importEvents(lines, format: .ndjson, on: connection)
            #expect(rerun.applied == 3 && rerun.duplicates == 2)
            #expect(try await eventCount(connection, schema) == 5)
        }
    }

    /// Two imports at once over the same contacts, in opposite orders: deadlocks between their
    /// batches are retried, and every line of both is applied.
    @Test func concurrentImportsOfTheSameContactsLoseNothing() async throws {
        try await withContacts(20) { connection, schema in
            func file(_ tag: String, reversed: Bool) -> String {
                let ids = reversed ? Array((1...20).reversed()) : Array(1...20)
                return (0..<15).flatMap { round in
                    ids.map {
                        #"{"external_id": "c-\#($0)", "kind": "open", "provider_event_id": "\#(tag)-\#(round)-\#($0)"}"#
                    }
                }.joined(separator: "\n")
            }
            let other = try await TestDatabase.connect()
            async let one = EventImporter(schema: schema).importEvents(
                file("a", reversed: false), format: .ndjson, batchSize: 40, on: connection)
            async let two = EventImporter(schema: schema).importEvents(
                file("b", reversed: true), format: .ndjson, batchSize: 40, on: other)
            let (a, b) = try await (one, two)
            #expect(a.rejected.isEmpty && b.rejected.isEmpty, "\(a.rejected.prefix(3)) \(b.rejected.prefix(3))")
            #expect(a.applied + b.applied == 600)
            #expect(try await eventCount(connection, schema) == 600)
        }
    }

    /// One bad value rejects its line with its number; the rest of the file applies.
    @Test func badValuesRejectTheirLineOnly() async throws {
        try await withContacts(1) { connection, schema in
            let lines = [
                #"{"external_id": "c-1", "kind": "open", "provider_event_id": "p1"}"#,
                #"{"external_id": "c-1", "kind": "open", "url": "https://x.example/\u0000", "provider_event_id": "p2"}"#,
                #"{"external_id": "c-1", "kind": "open", "provider_event_id": "p3", "properties": {"n": 1e400}}"#,
                #"{"external_id": "c-1", "kind": "open", "occurred_at": "99999-01-01T00:00:00Z", "provider_event_id": "p4"}"#,
                #"{"external_id": "c-1", "kind": "click", "provider_event_id": "p5"}"#,
            ].joined(separator: "\n")
            let report = try await EventImporter(schema: schema).importEvents(lines, format: .ndjson, on: connection)
            #expect(report.applied == 2 && report.read == 5)
            #expect(report.rejected.map(\.line) == [2, 3, 4], "\(report.rejected)")
        }
    }
}
