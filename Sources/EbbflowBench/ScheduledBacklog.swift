// Future-dated jobs in the table while due ones are claimed: the cooldown backlog of issue 20.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

extension BenchContext {
    /// Adds `count` jobs scheduled 30–90 days ahead to `queue`, as the inactivity sweep's
    /// cooldowns for a million contacts would, in one set-based statement, then vacuums and
    /// analyzes so the measurement starts from settled statistics.
    func seedScheduled(_ count: Int, queue: String = "default", schema: SchemaName, connection: PGConnection)
        async throws
    {
        guard count > 0 else { return }
        try await connection.execute(
            """
            INSERT INTO \(schema.qualified("jobs")) (state, queue, kind, args, run_at, created_at)
            SELECT 'scheduled', $1, 'noop', '{}', \(schema.qualified("clock_now"))() + (30 + random() * 60) * interval '1 day',
                   \(schema.qualified("clock_now"))()
            FROM generate_series(1, $2::int8)
            """, [queue, count])
        try await connection.simpleQuery("VACUUM ANALYZE \(schema.qualified("jobs"))")
        try await connection.simpleQuery("CHECKPOINT")
    }

    /// Milliseconds a claim takes when fewer jobs are due than it asks for (what every poll of
    /// a worker that keeps up does), with `scheduled` future jobs in the table: p50 and p99.
    func idleClaim(scheduled: Int, samples: Int) async throws -> (p50: Double, p99: Double) {
        try await withSchema { schema, connection in
            try await seedScheduled(scheduled, schema: schema, connection: connection)
            let store = JobStore(schema: schema)
            var timings: [Double] = []
            for sample in 0..<(samples + 20) {
                let started = ContinuousClock.now
                let result = try await connection.run {
                    try store.claim(
                        queues: ["default"], limit: 10, worker: "bench", leaseSeconds: 30, metered: false, on: $0)
                }
                guard result.rows.isEmpty else { throw BenchError("a claim took a job not yet due") }
                if sample >= 20 { timings.append((ContinuousClock.now - started).seconds * 1000) }
            }
            let sorted = timings.sorted()
            return (sorted[sorted.count / 2], sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))])
        }
    }
}
