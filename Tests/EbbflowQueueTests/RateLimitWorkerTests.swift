// A worker whose limited queue has no token waits for the next one instead of claiming at every NOTIFY.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

@Suite struct RateLimitWorkerTests {
    /// Every claim that names a limited queue writes its bucket once; a trigger counts the writes.
    /// With a limit of 1/m the bucket is dry after the first job, and sixty enqueues (sixty
    /// NOTIFYs) follow: the worker claims the queue again only when its wait (capped at the
    /// 2 s poll interval) is over, so the writes follow the elapsed time, not the NOTIFYs.
    @Test func aWorkerWithoutATokenDoesNotClaimAtEveryNotify() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let writes = schema.qualified("bucket_writes")
            try await connection.simpleQuery(
                """
                CREATE TABLE \(writes) (n int8 NOT NULL);
                CREATE FUNCTION \(schema.qualified("count_bucket_write"))() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN INSERT INTO \(writes) VALUES (1); RETURN NEW; END $$;
                CREATE TRIGGER count_writes AFTER UPDATE ON \(schema.qualified("queue_limits"))
                    FOR EACH ROW EXECUTE FUNCTION \(schema.qualified("count_bucket_write"))();
                """)
            _ = try await connection.run { try store.setLimit("mail", rate: try QueueRate(parsing: "1/m"), on: $0) }
            _ = try await connection.run { try store.enqueue(NewJob(kind: "noop", queue: "mail"), on: $0) }
            let worker = QueueWorker(
                database: try TestDatabase.configuration, schema: schema, registry: .builtins(),
                configuration: WorkerConfiguration(
                    queues: ["mail"], concurrency: 4, pollInterval: .seconds(2), listen: true,
                    jobTimeout: .seconds(30)),
                logger: InProcess.logger)
            let running = Task { try await worker.run() }
            let finished = "SELECT 1 FROM \(schema.qualified("finished_jobs")) WHERE queue = 'mail'"
            let deadline = ContinuousClock.now + .seconds(120)
            while try await MigratedSchema.count(connection, finished) == 0 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await MigratedSchema.count(connection, finished) == 1, "the first job ran on the first token")

            let before = try await MigratedSchema.count(connection, "SELECT 1 FROM \(writes)")
            let started = ContinuousClock.now
            for _ in 0..<60 {
                _ = try await connection.run { try store.enqueue(NewJob(kind: "noop", queue: "mail"), on: $0) }
                try await Task.sleep(for: .milliseconds(25))
            }
            let elapsed = (ContinuousClock.now - started) / .seconds(1)
            await worker.stop()
            try await running.value
            let claims = try await MigratedSchema.count(connection, "SELECT 1 FROM \(writes)") - before
            #expect(
                Double(claims) <= elapsed / 2 + 4,
                "\(claims) claims of a dry queue in \(elapsed) s with 60 NOTIFYs: one per poll interval at most")
            #expect(try await MigratedSchema.count(connection, finished) == 1, "no second token within a minute")
        }
    }
}

/// A limit set while a worker claims the queue unmetered applies within the documented delay:
/// at once through the NOTIFY the limit sends, within one poll interval without a listener.
@Suite struct RateLimitNewLimitTests {
    @Test(arguments: [true, false]) func aLimitSetWhileAWorkerRunsAppliesWithinItsDelay(listen: Bool) async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            _ = try await connection.withTransaction {
                try store.copyIn(Array(repeating: NewJob(kind: "noop", queue: "mail"), count: 30_000), on: $0)
            }
            let poll = Duration.seconds(1)
            let worker = QueueWorker(
                database: try TestDatabase.configuration, schema: schema, registry: .builtins(),
                configuration: WorkerConfiguration(
                    queues: ["mail"], concurrency: 10, pollInterval: poll, listen: listen, jobTimeout: .seconds(30)),
                logger: InProcess.logger)
            let running = Task { try await worker.run() }
            let finished = "SELECT 1 FROM \(schema.qualified("finished_jobs")) WHERE queue = 'mail'"
            // A bound for a loaded machine, not a timing: alone this takes well under a second.
            let deadline = ContinuousClock.now + .seconds(180)
            while try await MigratedSchema.count(connection, finished) < 200 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(try await MigratedSchema.count(connection, finished) >= 200, "unmetered at first")

            _ = try await connection.run { try store.setLimit("mail", rate: try QueueRate(parsing: "5/s"), on: $0) }
            // The documented delay: the NOTIFY's (well under a second), else one poll interval.
            let delay = listen ? 1.0 : poll / .seconds(1) + 1
            let from: Date = try await connection.query(
                "SELECT \(schema.qualified("clock_now"))() + make_interval(secs => $1) AS t", [delay]
            ).first!.decode("t")
            // Jobs started after the delay, however starved this process's worker is on a loaded
            // machine: watch until a few seconds' worth have started (bounded), not for a fixed time.
            let started = """
                SELECT attempted_at FROM \(schema.qualified("finished_jobs")) WHERE queue = 'mail'
                UNION ALL SELECT attempted_at FROM \(schema.qualified("jobs")) WHERE queue = 'mail'
                """
            let afterDelay = "date_trunc('second', $1::timestamptz) + interval '1 second'"
            let startedAfterDelay = "SELECT 1 FROM (\(started)) s WHERE attempted_at >= \(afterDelay)"
            let watchUntil = ContinuousClock.now + .seconds(180)
            while try await MigratedSchema.count(connection, startedAfterDelay, [from]) < 15
                && ContinuousClock.now < watchUntil
            {
                try await Task.sleep(for: .milliseconds(100))
            }
            await worker.stop()
            try await running.value
            let windows: [Int] = try await connection.query(
                """
                SELECT count(*)::int8 AS n FROM (\(started)) s
                WHERE attempted_at >= \(afterDelay)
                GROUP BY date_trunc('second', attempted_at)
                """, [from]
            ).rows.map { try $0.decode("n") }
            #expect(
                !windows.isEmpty && windows.allSatisfy { $0 <= 6 },
                "jobs started per second after the delay: \(windows)")
        }
    }
}
