// Jobs enqueued from a caller's SELECT (kind from the type, state from run_at, NOTIFY when due) and cancelled by subject.
import EbbflowCore
import EbbflowQueue
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

/// A kind that names itself, as engine job types do.
private struct ProbeJob: JobKind { static let kind = "probe" }
private struct OtherJob: JobKind { static let kind = "other_probe" }

@Suite struct SetEnqueueTests {
    /// Rows of the form `SELECT n AS args…` for n in 1...count, due `offset + n` seconds after $1.
    static let rows = """
        SELECT jsonb_build_object('n', n) AS args, $1::timestamptz + make_interval(secs => $3::int + n) AS run_at,
               'thing:' || n AS subject, 'key:' || n AS unique_key
        FROM generate_series(1, $2::int) AS n
        """

    /// The notifications on the schema's channel up to a marker sent after `body` committed:
    /// one session's notifications arrive in commit order, so what came before the marker is
    /// all `body` sent, with no waiting for something that should not come.
    static func notifications(_ schema: SchemaName, _ body: () async throws -> Void) async throws -> [String] {
        let listener = try await TestDatabase.connect()
        let channel = "\(schema.name)_jobs"
        try await listener.listen(channel)
        try await body()
        let sender = try await TestDatabase.connect()
        try await sender.notify(channel, payload: "marker")
        var received: [String] = []
        while !received.contains("marker") {
            // A hang guard only: it returns when the marker arrives.
            received += try await listener.waitForNotifications(timeout: .seconds(600)).map(\.payload)
        }
        return Array(received.prefix { $0 != "marker" })
    }

    @Test func rowsBecomeJobsOfTheTypesKindWithStateFromRunAtAndOneWakeUp() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let woken = try await Self.notifications(schema) {
                let inserted = try await connection.withTransaction { connection in
                    let now = try store.now(on: connection)
                    return try store.enqueue(
                        ProbeJob.self, rowsOf: Self.rows, [now, 4, -3], columns: [.subject], now: now, on: connection)
                }
                #expect(inserted == 4)
            }
            #expect(woken == ["default"], "one NOTIFY for the queue, for the three rows due by now")
            let rows = try await connection.query(
                """
                SELECT kind, args->>'n' AS n, state::text AS state, subject, unique_key, created_at <= run_at AS later
                FROM \(schema.qualified("jobs")) ORDER BY (args->>'n')::int
                """
            ).rows.map {
                [
                    try $0.decode("kind", as: String.self), try $0.decode("n", as: String.self),
                    try $0.decode("state", as: String.self),
                    try $0.decode("subject", as: String?.self) ?? "nil",
                    try $0.decode("unique_key", as: String?.self) ?? "nil",
                ]
            }
            #expect(
                rows == [
                    ["probe", "1", "available", "thing:1", "nil"], ["probe", "2", "available", "thing:2", "nil"],
                    ["probe", "3", "available", "thing:3", "nil"], ["probe", "4", "scheduled", "thing:4", "nil"],
                ], "due at or before now: available; later: scheduled; unique_key only when asked for")
        }
    }

    @Test func jobsDueLaterWakeNoWorker() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let woken = try await Self.notifications(schema) {
                _ = try await connection.withTransaction { connection in
                    let now = try store.now(on: connection)
                    return try store.enqueue(ProbeJob.self, rowsOf: Self.rows, [now, 3, 60], now: now, on: connection)
                }
            }
            #expect(woken.isEmpty)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE state = 'scheduled' AND subject IS NULL")
                    == 3)
        }
    }

    @Test func aUniqueKeyAnUnfinishedJobHoldsInsertsNothing() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let counts = try await connection.withTransaction { connection in
                let now = try store.now(on: connection)
                let first = try store.enqueue(
                    ProbeJob.self, rowsOf: Self.rows, [now, 2, 0], columns: [.uniqueKey], now: now, on: connection)
                let again = try store.enqueue(
                    ProbeJob.self, rowsOf: Self.rows, [now, 3, 0], columns: [.uniqueKey], now: now, on: connection)
                return [first, again]
            }
            #expect(counts == [2, 1], "key:1 and key:2 were held; key:3 was free")
        }
    }

    /// Cancelling by subject takes only pending jobs of the kinds and subjects asked for, keeps
    /// the subject in finished_jobs, and `jobs retry` brings it back with it.
    @Test func cancelPendingBySubjectTakesOnlyWhatItNames() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let cancelled = try await connection.withTransaction { connection in
                let now = try store.now(on: connection)
                try store.enqueue(
                    ProbeJob.self, rowsOf: Self.rows, [now, 3, -10], columns: [.subject], now: now, on: connection)
                try store.enqueue(
                    OtherJob.self, rowsOf: Self.rows, [now, 1, -10], columns: [.subject], now: now, on: connection)
                return now
            }
            // thing:1's probe is running: a job already started is not cancelled.
            let claimed = try await connection.run {
                try store.claim(
                    queues: ["default"], kinds: [ProbeJob.kind], limit: 1, worker: "w",
                    leaseSeconds: 600, on: $0)
            }
            #expect(claimed.rows.map(\.args.text) == [#"{"n": 1}"#])
            let count = try await connection.withTransaction { connection in
                try store.cancelPending(
                    kinds: [ProbeJob.self], subjects: ["thing:1", "thing:2", "thing:9"], now: cancelled,
                    reason: "it left", on: connection)
            }
            #expect(count == 1)
            let finished = try await connection.query(
                """
                SELECT id, kind, subject, state::text AS state, errors->-1->>'message' AS message FROM \(schema.qualified("finished_jobs"))
                """
            ).rows
            try #require(finished.count == 1)
            #expect(try finished[0].decode("subject", as: String.self) == "thing:2")
            #expect(try finished[0].decode("state", as: String.self) == "cancelled")
            #expect(try finished[0].decode("message", as: String.self) == "it left")
            let left = try await connection.query(
                "SELECT kind || ' ' || subject AS job FROM \(schema.qualified("jobs")) ORDER BY 1"
            ).rows
                .map { try $0.decode("job", as: String.self) }
            #expect(left == ["other_probe thing:1", "probe thing:1", "probe thing:3"])
            let id: Int64 = try finished[0].decode("id")
            _ = try await connection.withTransaction { try store.retryFinished([id], on: $0) }
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE id = $1 AND subject = 'thing:2'", [id]) == 1)
        }
    }

    @Test func cancelPendingByArgs() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let count = try await connection.withTransaction { connection in
                let now = try store.now(on: connection)
                try store.enqueue(ProbeJob.self, rowsOf: Self.rows, [now, 3, 0], now: now, on: connection)
                try store.enqueue(OtherJob.self, rowsOf: Self.rows, [now, 3, 0], now: now, on: connection)
                return try store.cancelPending(
                    kinds: [ProbeJob.self, OtherJob.self], argsContaining: PGJSON(#"{"n": 2}"#), now: now,
                    reason: "gone", on: connection)
            }
            #expect(count == 2)
            #expect(
                try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE args->>'n' = '2'")
                    == 0)
        }
    }

    /// The queue's SQL face for triggers: jobs due now, one wake-up.
    @Test func enqueueJobsFunctionMakesAvailableJobsAndWakesWorkers() async throws {
        try await MigratedSchema.with { connection, schema in
            let woken = try await Self.notifications(schema) {
                let made: Int = try await connection.query(
                    """
                    SELECT \(schema.qualified("enqueue_jobs"))('probe', ARRAY['{"a": 1}'::jsonb, '{"a": 2}'::jsonb]) AS made
                    """
                ).first!.decode("made")
                #expect(made == 2)
                let none: Int = try await connection.query(
                    "SELECT \(schema.qualified("enqueue_jobs"))('probe', '{}') AS made"
                ).first!.decode("made")
                #expect(none == 0)
            }
            #expect(woken == ["default"])
            #expect(
                try await MigratedSchema.count(
                    connection,
                    """
                    SELECT 1 FROM \(schema.quoted).jobs WHERE kind = 'probe' AND state = 'available' AND run_at = created_at
                    """) == 2)
        }
    }
}
