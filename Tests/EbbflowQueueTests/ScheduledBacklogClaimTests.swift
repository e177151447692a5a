// Claims with a large future-dated backlog: due jobs come out in order without reading the backlog.
import EbbflowCore
import EbbflowQueue
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

/// Cooldowns scheduled weeks ahead sit in `jobs_claimable` behind the due jobs. A claim must
/// take the due ones in (priority, run_at, id) order across priorities, and must not walk the
/// future rows to find out that no more are due: counted in index tuples read, not in time,
/// so the test holds on a loaded machine.
@Suite struct ScheduledBacklogClaimTests {
    static let backlog = 50_000

    func seed(_ connection: PGConnection, _ schema: SchemaName) async throws {
        let jobs = schema.qualified("jobs"), now = schema.qualified("clock_now")
        // The backlog at priorities 0 and 2; due jobs at 1 and 2, so every priority is visited.
        try await connection.execute(
            """
            INSERT INTO \(jobs) (state, queue, kind, priority, run_at, created_at)
            SELECT 'scheduled', 'default', 'noop', (g % 2) * 2, \(now)() + interval '30 days' + g * interval '1 second', \(now)()
            FROM generate_series(1, $1::int8) g
            """, [Self.backlog])
        try await connection.execute(
            """
            INSERT INTO \(jobs) (state, queue, kind, priority, run_at, created_at)
            SELECT 'available', 'default', 'noop', 1 + (g % 2), \(now)() - g * interval '1 second', \(now)()
            FROM generate_series(1, 5) g
            """)
        try await connection.simpleQuery("ANALYZE \(jobs)")
    }

    /// Blocks of `jobs` and its indexes read so far (hits and reads), as the statistics system
    /// has them. Blocks, not tuples: index entries that fail `run_at <= now` are not counted as
    /// tuples read, yet walking them is the whole cost.
    func blocksRead(_ connection: PGConnection, _ schema: SchemaName) async throws -> Int {
        try await connection.simpleQuery("SELECT pg_stat_force_next_flush()")
        try await connection.simpleQuery("SELECT pg_stat_clear_snapshot()")
        return try await connection.query(
            """
            SELECT (heap_blks_hit + heap_blks_read + coalesce(idx_blks_hit, 0) + coalesce(idx_blks_read, 0))::int8 AS n
            FROM pg_statio_user_tables WHERE schemaname = $1 AND relname = 'jobs'
            """, [schema.name]
        ).first!.decode("n")
    }

    /// The three claims: unmetered, metered with no limit on the queue, and through a limit's bucket.
    enum Path: String, CaseIterable, Sendable { case unmetered, metered, limited }

    @Test(arguments: Path.allCases) func dueJobsComeInOrderWithoutReadingTheBacklog(path: Path) async throws {
        try await MigratedSchema.with { connection, schema in
            try await seed(connection, schema)
            let store = JobStore(schema: schema)
            let metered = path != .unmetered
            if path == .limited {
                _ = try await connection.run {
                    try store.setLimit("default", rate: try QueueRate(parsing: "1000/s"), on: $0)
                }
                try await connection.execute("UPDATE \(schema.qualified("queue_limits")) SET tokens = 100")
            }
            let before = try await blocksRead(connection, schema)
            let claimed = try await connection.run {
                try store.claim(
                    queues: ["default"], limit: 10, worker: "w", leaseSeconds: 30, metered: metered, on: $0)
            }
            let read = try await blocksRead(connection, schema) - before
            // g % 2 over 1...5: two due jobs at priority 1, three at 2; none of the backlog.
            #expect(claimed.rows.map(\.priority) == [1, 1, 2, 2, 2], "every due job, by priority")
            #expect(claimed.rows.allSatisfy { $0.runAt < Date().addingTimeInterval(86_400) && $0.attempt == 1 })
            let again = try await connection.run {
                try store.claim(
                    queues: ["default"], limit: 10, worker: "w", leaseSeconds: 30, metered: metered, on: $0)
            }
            #expect(again.rows.isEmpty, "nothing more is due")
            let total = try await blocksRead(connection, schema) - before
            // Walking the backlog reads its priority-0 half, hundreds of index blocks, per claim; by priority, a few descents.
            #expect(read < 150 && total < 250, "blocks read: \(read) by the first claim, \(total) by both")
        }
    }
}
