// The Workers page's rows: heartbeat age by real time, stale past three heartbeat intervals, running jobs per worker.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

@Suite struct WorkerStoreTests {
    @Test func staleWorkersAreFlaggedAndRunningJobsCounted() async throws {
        try await MigratedSchema.with { connection, schema in
            try await connection.execute(
                """
                INSERT INTO \(schema.quoted).workers (id, queues, concurrency, started_at, heartbeat_at) VALUES
                    ('fresh', '{default,mail}', 8, now() - interval '1 hour', now() - interval '5 seconds'),
                    ('silent', '{default}', 2, now() - interval '2 hours', now() - interval '31 seconds')
                """)
            let store = JobStore(schema: schema)
            try await connection.withTransaction { connection in
                for _ in 0..<3 { try store.enqueue(NewJob(kind: "noop"), on: connection) }
            }
            _ = try await connection.run {
                try store.claim(
                    queues: ["default"], limit: 3, worker: "fresh", leaseSeconds: 60, metered: false, on: $0)
            }
            let workers = WorkerStore(schema: schema)
            let rows = try await connection.run { try workers.list(heartbeatSeconds: 10, on: $0) }
            #expect(rows.map(\.id) == ["silent", "fresh"]) // oldest first
            let silent = rows[0], fresh = rows[1]
            #expect(silent.stale && !fresh.stale)
            #expect(silent.heartbeatAgeSeconds >= 31 && fresh.heartbeatAgeSeconds < 31)
            #expect(fresh.running == 3 && silent.running == 0)
            #expect(fresh.queues == ["default", "mail"] && fresh.concurrency == 8)
            // A longer interval: nobody is stale.
            let relaxed = try await connection.run { try workers.list(heartbeatSeconds: 20, on: $0) }
            #expect(relaxed.allSatisfy { !$0.stale })
            await #expect(throws: QueueError.self) {
                try await connection.run { _ = try workers.list(heartbeatSeconds: .nan, on: $0) }
            }
        }
    }
}
