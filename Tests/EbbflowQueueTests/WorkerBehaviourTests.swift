// In-process worker behaviour: retries with growing delays, chunks isolating poison, bad kinds.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import ServiceLifecycle
import Testing

@testable import EbbflowQueue

@Suite struct WorkerBehaviourTests {
    @Test func throwingHandlerRetriesWithGrowingDelaysThenDiscards() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = JobStore(schema: schema)
            try await connection.run {
                try DatabaseClock(schema: schema).set(Date(timeIntervalSince1970: 1_800_000_000), on: $0)
            }
            let id = try await connection.run {
                try store.enqueue(NewJob(kind: FailingJob.kind, maxAttempts: 4), on: $0)
            }.id
            var registry = JobRegistry()
            registry.register(FailingJob())
            let policy = RetryPolicy(base: 10, factor: 3, maxDelay: 10_000, jitter: 0)
            var delays: [Double] = []
            for _ in 0..<4 {
                try await InProcess.drain(schema, registry: registry, retry: policy)
                let job = try #require(try await connection.run { try store.find(id, on: $0) })
                if job.state == "discarded" { break }
                #expect(job.state == "retryable")
                let now = try await connection.run { try store.now(on: $0) }
                delays.append(job.runAt.timeIntervalSince(now))
                try await InProcess.advance(connection, schema, seconds: job.runAt.timeIntervalSince(now))
            }
            #expect(delays == [10, 30, 90], "delays measured on the database clock")
            let job = try #require(try await connection.run { try store.find(id, on: $0) })
            #expect(job.state == "discarded")
            #expect(job.errors.count == 4)
            #expect(job.errors.map(\.attempt) == [1, 2, 3, 4])
            #expect(job.errors.allSatisfy { $0.message.contains("boom") })
            // Each failed attempt's effects rolled back.
            #expect(try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).counters") == 0)
        }
    }

    @Test func chunkWithPoisonCompletesTheRestAndIsolatesThePoison() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = JobStore(schema: schema)
            let jobs = (0..<100).map {
                try! NewJob(
                    kind: PoisonableChunkJob.kind, encoding: PoisonableChunkJob.Args(poison: $0 == 37), maxAttempts: 2)
            }
            try await connection.withTransaction { try store.enqueueMany(jobs, on: $0) }
            let log = RecordLog<Int>()
            var registry = JobRegistry()
            registry.register(PoisonableChunkJob(log: log))
            try await InProcess.drain(
                schema, registry: registry, concurrency: 100, retry: RetryPolicy(base: 60, jitter: 0))
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).finished_jobs WHERE state = 'completed'") == 99)
            let counted: Int = try await connection.query(
                "SELECT value FROM \(schema.quoted).counters WHERE name = 'chunked'"
            ).first!.decode("value")
            #expect(counted == 99, "only committed chunks count")
            #expect(log.all.first == 100, "the first attempt was one chunk of 100")
            #expect(log.all.filter { $0 > 1 }.count >= 2, "completions happened in chunk transactions, not one by one")
            let poison: Int64 = try await connection.query(
                "SELECT id FROM \(schema.quoted).jobs WHERE args->>'poison' = 'true'"
            ).first!.decode("id")
            #expect(try await connection.run { try store.find(poison, on: $0) }?.state == "retryable")
            try await InProcess.advance(connection, schema, seconds: 3600)
            try await InProcess.drain(schema, registry: registry, concurrency: 100)
            let final = try #require(try await connection.run { try store.find(poison, on: $0) })
            #expect(final.state == "discarded")
            #expect(final.errors.count == 2)
        }
    }

    /// A chunk takes one slot: two slots still apply chunks of the kind's full size.
    @Test func chunksFillUpWhateverTheSlots() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = JobStore(schema: schema)
            let jobs = (0..<1_000).map { _ in NewJob(kind: PoisonableChunkJob.kind, args: PGJSON("{\"poison\": false}"))
            }
            try await connection.withTransaction { try store.enqueueMany(jobs, on: $0) }
            let log = RecordLog<Int>()
            var registry = JobRegistry()
            registry.register(PoisonableChunkJob(log: log))
            try await InProcess.drain(schema, registry: registry, concurrency: 2)
            #expect(log.all.reduce(0, +) == 1_000)
            #expect(log.all.max() == 100, "chunk sizes: \(log.all)")
            #expect(log.all.count <= 12, "chunk sizes: \(log.all)")
        }
    }

    /// The counter's chunk statement writes its rows in name order, whatever the order of its
    /// input, so concurrent chunks lock shared rows in one order and queue instead of
    /// deadlocking. (It wrote them in a hash aggregate's order: on the peer cluster, 150 chunk
    /// slots over 100 rows deadlocked 47 times in 40 s and never finished.) New rows are stored
    /// in the order they were written, which `ctid` shows.
    @Test func counterChunkWritesRowsInNameOrder() async throws {
        try await MigratedSchema.with { connection, schema in
            let names = (0..<300).map { String(format: "c%03d", ($0 * 7919) % 300) }
            let sql = JobStore(schema: schema).sql.counterIncrementMany
            try await connection.execute(sql, [names])
            let stored: [String] = try await connection.query(
                "SELECT name FROM \(schema.quoted).counters ORDER BY ctid"
            ).rows.map { try $0.decode("name") }
            #expect(stored == names.sorted())
        }
    }

    @Test func unknownKindAndBadArgsAreDiscardedAndWorkerGoesOn() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let unknown = try await connection.run { try store.enqueue(NewJob(kind: "no_such_kind"), on: $0) }.id
            let bad = try await connection.run {
                try store.enqueue(NewJob(kind: "sleep", args: PGJSON("{\"ms\": \"soon\"}")), on: $0)
            }.id
            let good = try await connection.run { try store.enqueue(NewJob(kind: "counter"), on: $0) }.id
            try await InProcess.drain(schema, registry: .builtins())
            let unknownJob = try #require(try await connection.run { try store.find(unknown, on: $0) })
            #expect(unknownJob.state == "discarded" && unknownJob.errors.first?.kind == .unknownKind)
            #expect(unknownJob.errors.first?.message.contains("no_such_kind") == true)
            let badJob = try #require(try await connection.run { try store.find(bad, on: $0) })
            #expect(badJob.state == "discarded" && badJob.errors.first?.kind == .undecodableArgs)
            #expect(try await connection.run { try store.find(good, on: $0) }?.state == "completed")
        }
    }

    @Test func priorityThenRunAtOrder() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let low = try await connection.run { try store.enqueue(NewJob(kind: "noop", priority: 5), on: $0) }.id
            let high = try await connection.run { try store.enqueue(NewJob(kind: "noop", priority: 1), on: $0) }.id
            let later = try await connection.run { try store.enqueue(NewJob(kind: "noop", delay: 3600), on: $0) }.id
            let claimed = try await connection.run { connection in
                try store.claim(queues: ["default"], limit: 10, worker: "w", leaseSeconds: 30, on: connection).rows
            }
            #expect(claimed.map(\.id) == [high, low])
            #expect(!claimed.contains { $0.id == later })
        }
    }

    @Test func snoozeDoesNotUseAnAttempt() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let id = try await connection.run { try store.enqueue(NewJob(kind: "noop"), on: $0) }.id
            try await connection.run { connection in
                let now = try store.now(on: connection)
                _ = try store.claim(
                    queues: ["default"], limit: 1, worker: "w", leaseSeconds: 30, now: now, on: connection)
                try store.snooze(id, worker: "w", until: now.addingTimeInterval(60), on: connection)
            }
            let job = try #require(try await connection.run { try store.find(id, on: $0) })
            #expect(job.state == "scheduled" && job.attempt == 0)
        }
    }

    @Test func retryPolicyGrowsAndCaps() {
        let policy = RetryPolicy(base: 5, factor: 2, maxDelay: 60, jitter: 0.2)
        #expect(policy.nominalDelay(afterAttempt: 1) == 5)
        #expect(policy.nominalDelay(afterAttempt: 3) == 20)
        #expect(policy.nominalDelay(afterAttempt: 10) == 60)
        #expect(policy.delay(afterAttempt: 2, random: 1) == 12)
        #expect(policy.delay(afterAttempt: 2, random: -1) == 8)
        for _ in 0..<100 { #expect((8...12).contains(policy.delay(afterAttempt: 2))) }
    }
}

/// Blocks in the database: a timeout must cancel the statement and roll back.
struct SlowTransactionalJob: TransactionalJobHandler {
    struct Args: Codable, Sendable {}
    static let kind = "slow_transactional"
    func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome {
        try connection.execute(context.store.sql.counterIncrement, ["slow"])
        try connection.execute("SELECT pg_sleep(3600)")
        return .completed
    }
}

@Suite struct TimeoutTests {
    /// The sleeper would sleep an hour and the transactional handler's `pg_sleep(3600)` would hold
    /// its connection an hour: the worker's drain returning at all proves both were cut short
    /// (the Swift sleep by task cancellation, the server-side sleep by a cancel request). No
    /// wall-clock bound: a `< 9 s` one failed on a loaded machine; the time limit only stops a hang.
    @Test(.timeLimit(.minutes(3))) func timeoutsCancelHandlersRollBackAndRecordTheError() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let sleeper = try await connection.run {
                try store.enqueue(NewJob(kind: "sleep", args: PGJSON("{\"ms\": 3600000}"), maxAttempts: 1), on: $0)
            }.id
            let blocked = try await connection.run {
                try store.enqueue(NewJob(kind: SlowTransactionalJob.kind, maxAttempts: 1), on: $0)
            }.id
            var registry = JobRegistry.builtins()
            registry.register(SlowTransactionalJob())
            let worker = QueueWorker(
                database: try TestDatabase.configuration, schema: schema, registry: registry,
                configuration: WorkerConfiguration(
                    concurrency: 4, listen: false, jobTimeout: .milliseconds(400), drain: true),
                logger: InProcess.logger)
            try await worker.run()
            for id in [sleeper, blocked] {
                let job = try #require(try await connection.run { try store.find(id, on: $0) })
                #expect(job.state == "discarded", "\(job.kind)")
                #expect(job.errors.first?.kind == .timeout, "\(job.kind): \(job.errors)")
            }
            #expect(
                try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).counters") == 0,
                "effects rolled back")
        }
    }
}

@Suite struct RetentionTests {
    /// `--completed-retention 0`: completed jobs are deleted, effects still exactly once.
    @Test func zeroRetentionDeletesCompletedJobs() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let jobs = (0..<300).map {
                NewJob(kind: $0 % 3 == 0 ? "noop" : ($0 % 3 == 1 ? "counter" : "counter_chunk"))
            }
            try await connection.withTransaction { try store.enqueueMany(jobs, on: $0) }
            let worker = QueueWorker(
                database: try TestDatabase.configuration, schema: schema, registry: .builtins(),
                configuration: WorkerConfiguration(concurrency: 8, listen: false, drain: true, completedRetention: 0),
                logger: InProcess.logger)
            try await worker.run()
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE queue = 'default'") == 0)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).finished_jobs WHERE queue = 'default'") == 0)
            let counted: Int = try await connection.query(
                "SELECT value FROM \(schema.quoted).counters WHERE name = 'default'"
            ).first!.decode("value")
            #expect(counted == 200)
        }
    }
}

/// Counts, but first lets another worker take the job (as the rescuer would after its lease expired).
struct RescuedMidRunJob: TransactionalJobHandler {
    struct Args: Codable, Sendable {}
    static let kind = "rescued_mid_run"
    let schema: SchemaName
    func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome {
        try connection.execute(context.store.sql.counterIncrement, ["rescued"])
        let other = try await PGConnection.connect(try TestDatabase.configuration)
        try await other.execute(
            "UPDATE \(schema.qualified("jobs")) SET locked_by = 'another-worker' WHERE id = $1", [job.id])
        await other.close()
        return .completed
    }
}

@Suite struct CompletionAtCommitTests {
    /// The completion travels with COMMIT; when the job was rescued meanwhile it raises, so the
    /// handler's effects roll back and the job stays with the worker that now holds it. The
    /// same for a write-only handler, whose writes travel in a group commit.
    @Test func rescuedJobsEffectsRollBack() async throws {
        for retention in [0.0, 3600] {
            for kind in [RescuedMidRunJob.kind, RescuedBeforeCommitWriteJob.kind] {
                try await MigratedSchema.with { connection, schema in
                    let store = JobStore(schema: schema)
                    let id = try await connection.run { try store.enqueue(NewJob(kind: kind), on: $0) }.id
                    var registry = JobRegistry()
                    registry.register(RescuedMidRunJob(schema: schema))
                    registry.register(RescuedBeforeCommitWriteJob(schema: schema))
                    let worker = QueueWorker(
                        database: try TestDatabase.configuration, schema: schema, registry: registry,
                        configuration: WorkerConfiguration(
                            concurrency: 1, listen: false, drain: true, completedRetention: retention),
                        logger: InProcess.logger)
                    try await worker.run()
                    #expect(
                        try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).counters") == 0,
                        "\(kind), retention \(retention)")
                    let job = try #require(try await connection.run { try store.find(id, on: $0) })
                    #expect(
                        job.state == "running" && job.lockedBy == "another-worker" && job.errors.isEmpty,
                        "\(kind), retention \(retention): \(job.state)")
                    #expect(
                        try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).finished_jobs") == 0)
                }
            }
        }
    }

    /// And without the rescue, effects and completion commit together, with and without history.
    @Test func completedJobsCommitWithTheirEffects() async throws {
        for retention in [0.0, 3600] {
            try await MigratedSchema.with { connection, schema in
                let store = JobStore(schema: schema)
                try await connection.withTransaction {
                    try store.enqueueMany((0..<50).map { _ in NewJob(kind: "counter") }, on: $0)
                }
                let worker = QueueWorker(
                    database: try TestDatabase.configuration, schema: schema, registry: .builtins(),
                    configuration: WorkerConfiguration(
                        concurrency: 4, listen: false, drain: true, completedRetention: retention),
                    logger: InProcess.logger)
                try await worker.run()
                let counted: Int = try await connection.query(
                    "SELECT value FROM \(schema.quoted).counters WHERE name = 'default'"
                ).first!.decode("value")
                #expect(counted == 50)
                #expect(
                    try await MigratedSchema.count(
                        connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE queue = 'default'") == 0)
                #expect(
                    try await MigratedSchema.count(
                        connection, "SELECT 1 FROM \(schema.quoted).finished_jobs WHERE state = 'completed'")
                        == (retention > 0 ? 50 : 0))
            }
        }
    }
}

@Suite struct LostClaimTests {
    /// A claim lost in a server crash (claims commit asynchronously) makes a running job
    /// available again, and this very worker may claim it again: it must not start a second run
    /// beside the first, which finishes the job once.
    @Test(.timeLimit(.minutes(5))) func aJobClaimedAgainWhileItRunsHereIsNotRunTwice() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = JobStore(schema: schema)
            try await connection.withTransaction {
                try store.enqueueMany([try NewJob(kind: SlowCountedJob.kind, encoding: SlowCountedJob.Args())], on: $0)
            }
            let runs = RunCounter()
            var registry = JobRegistry()
            registry.register(SlowCountedJob(runs: runs))
            let worker = QueueWorker(
                database: try TestDatabase.configuration, schema: schema, registry: registry,
                configuration: WorkerConfiguration(
                    queues: ["default"], concurrency: 4, pollInterval: .milliseconds(50), listen: false,
                    jobTimeout: .seconds(30), drain: true),
                logger: InProcess.logger)
            let drained = Task { try await worker.run() }
            while runs.count == 0 { try await Task.sleep(for: .milliseconds(10)) }
            // What a lost claim leaves behind: the job available again, held by nobody.
            try await connection.execute(
                """
                UPDATE \(schema.qualified("jobs")) SET state = 'available', locked_by = NULL, lease_expires_at = NULL
                """)
            // The first run goes on until the worker has claimed the job again.
            while try await MigratedSchema.count(
                connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE state = 'running' AND attempt = 2") == 0
            {
                try await Task.sleep(for: .milliseconds(10))
            }
            runs.release()
            try await drained.value
            #expect(runs.count == 1, "the job ran \(runs.count) times")
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).finished_jobs WHERE state = 'completed' AND kind = $1",
                    [SlowCountedJob.kind]) == 1)
            // Its own kind only: a schedule of the engine's that ticked as the drain began leaves
            // a job in a queue this worker does not work.
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE kind = $1", [SlowCountedJob.kind]) == 0)
        }
    }
}

/// Counts its runs and holds each until the test releases it, so a test can disturb it mid-run.
struct SlowCountedJob: AcknowledgedJobHandler {
    struct Args: Codable, Sendable {}
    static let kind = "slow_counted"
    let runs: RunCounter
    func run(_ job: Job<Args>, context: JobContext) async throws -> JobOutcome {
        runs.add()
        while !runs.released { try await Task.sleep(for: .milliseconds(10)) }
        return .completed
    }
}

final class RunCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var runs = 0
    private var open = false
    func add() { lock.withLock { runs += 1 } }
    var count: Int { lock.withLock { runs } }
    func release() { lock.withLock { open = true } }
    var released: Bool { lock.withLock { open } }
}

@Suite struct ReadinessTests {
    /// Readiness (Kubernetes' /readyz) is reported once the worker is about to claim, and
    /// withdrawn the moment it is asked to stop, before its running jobs end. (Readiness while
    /// the database is down: WorkerProcessTests, on a cluster a test may stop.)
    @Test(.timeLimit(.minutes(5))) func readyWhileClaimingNotOnceStopping() async throws {
        try await MigratedSchema.with { connection, schema in
            let seen = RecordLog<Bool>()
            let worker = QueueWorker(
                database: try TestDatabase.configuration, schema: schema, registry: .builtins(),
                configuration: WorkerConfiguration(
                    queues: ["default"], concurrency: 2, pollInterval: .milliseconds(50), listen: false),
                logger: InProcess.logger, onReadiness: { seen.record($0) })
            let running = Task { try await worker.run() }
            while seen.all.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            await worker.stop()
            try await running.value
            #expect(seen.all == [true, false])
        }
    }
}

/// A service run beside the worker (the process's HTTP server): started with it, and stopped
/// only after the claim loop is done, so it still reports "not ready" during the shutdown.
@Suite struct WorkerServiceGroupTests {
    struct Beside: Service {
        let started: RecordLog<Bool>
        let readyAtShutdown: RecordLog<Bool>
        let readiness: RecordLog<Bool>
        /// Counts the worker rows left, when the service is stopped.
        var workersAtShutdown: RecordLog<Int> = RecordLog()
        var countWorkers: @Sendable () async throws -> Int = { 0 }

        func run() async throws {
            started.record(true)
            try await gracefulShutdown()
            readyAtShutdown.record(readiness.all.last ?? false)
            workersAtShutdown.record(try await countWorkers())
        }
    }

    /// In drain mode the claim loop ends by itself; that shuts the whole group down, the
    /// service beside it last (after the worker withdrew its readiness).
    @Test(.timeLimit(.minutes(5))) func drainShutsDownTheServicesBesideTheWorkerLast() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            _ = try await connection.run {
                try store.enqueueMany(Array(repeating: NewJob(kind: "noop"), count: 20), on: $0)
            }
            let readiness = RecordLog<Bool>()
            let beside = Beside(started: RecordLog(), readyAtShutdown: RecordLog(), readiness: readiness)
            let worker = QueueWorker(
                database: try TestDatabase.configuration, schema: schema, registry: .builtins(),
                configuration: WorkerConfiguration(queues: ["default"], concurrency: 4, listen: false, drain: true),
                logger: InProcess.logger, onReadiness: { readiness.record($0) })
            try await worker.run(alongside: [beside])
            #expect(await worker.finishedCount == 20)
            #expect(beside.started.all == [true])
            #expect(beside.readyAtShutdown.all == [false], "stopped after the claim loop, not before")
            #expect(readiness.all == [true, false])
        }
    }

    /// The worker's row is gone before the services beside it stop (the old order: the HTTP
    /// endpoint stopped after deregistration).
    @Test func theWorkerDeregistersBeforeTheServicesBesideItStop() async throws {
        try await MigratedSchema.with { connection, schema in
            let workers = "SELECT count(*)::int AS n FROM \(schema.qualified("workers"))"
            let counter = try await TestDatabase.connect()
            var beside = Beside(started: RecordLog(), readyAtShutdown: RecordLog(), readiness: RecordLog())
            beside.countWorkers = { try await counter.query(workers).first!.decode("n", as: Int.self) }
            let worker = QueueWorker(
                database: try TestDatabase.configuration, schema: schema, registry: .builtins(),
                configuration: WorkerConfiguration(queues: ["default"], concurrency: 2, listen: false, drain: true),
                logger: InProcess.logger)
            try await worker.run(alongside: [beside])
            #expect(beside.workersAtShutdown.all == [0])
            await counter.close()
        }
    }
}
