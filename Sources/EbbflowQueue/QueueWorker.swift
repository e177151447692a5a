// The worker: claims due jobs in batches with SKIP LOCKED, runs them, and shuts down gracefully.
import EbbflowCore
import Foundation
import Logging
import PostgresClient

/// One worker process's engine.
///
/// The claim loop takes as many jobs as it has free slots in one round trip, starts them, and
/// sleeps until a NOTIFY (an enqueue of due work), a finished job or the poll interval wakes
/// it. Maintenance (lease heartbeats, rescue, pruning, schedules) runs beside it.
public actor QueueWorker {
    public nonisolated let configuration: WorkerConfiguration
    private let store: JobStore
    private let registry: JobRegistry
    private let database: PGConfiguration
    private let logger: Logger
    private let pool: PGPool
    private let completer: BatchCompleter
    private let execution: JobExecution
    private let maintenance: Maintenance
    private let wake = WakeSignal()
    /// The ids in `running`, readable by maintenance without a hop to this actor.
    private let runningSet = RunningSet()

    private var running: [Int64: Task<Void, Never>] = [:]
    /// One per launched task (keyed by its first job id), checked by the watchdog.
    private var deadlines: [Int64: (deadline: JobDeadline, task: Task<Void, Never>)] = [:]
    private var stopping = false
    /// Jobs whose run here ended while a claim was in flight (nil when none is): see `start`.
    private var endedDuringClaim: Set<Int64>?
    /// Jobs run to an end by this worker (for drain reports and tests).
    public private(set) var finishedCount = 0

    /// Told whether the worker can take work (Kubernetes readiness): true once it is registered
    /// and about to claim, false while its claims fail (the database is unreachable) and from
    /// the moment it is asked to stop, true again after a claim succeeds.
    private let onReadiness: @Sendable (Bool) -> Void
    private var ready = false

    public init(database: PGConfiguration, schema: SchemaName, registry: JobRegistry,
                configuration: WorkerConfiguration, logger: Logger, onReadiness: @escaping @Sendable (Bool) -> Void = { _ in }) {
        self.onReadiness = onReadiness
        self.configuration = configuration
        self.store = JobStore(schema: schema)
        self.registry = registry
        self.database = database
        self.logger = logger
        // Slots, plus the claim loop, the completer and maintenance.
        pool = PGPool(database, maxConnections: configuration.concurrency + 3, acquireTimeout: .seconds(60), logger: logger)
        completer = BatchCompleter(store: store, workerID: configuration.id, pool: pool, logger: logger,
                                   keepHistory: configuration.completedRetention > 0)
        execution = JobExecution(store: store, registry: registry, configuration: configuration, pool: pool,
                                 completer: completer, committer: GroupCommitter(pool: pool, logger: logger), logger: logger)
        let runningSet = self.runningSet
        maintenance = Maintenance(store: store, schema: schema, configuration: configuration, pool: pool, logger: logger) {
            runningSet.all
        }
    }

    /// Asks the worker to stop claiming; `run()` then finishes or hands back running jobs.
    public func stop() {
        stopping = true
        setReady(false)
        wake.wake()
    }

    private func setReady(_ value: Bool) {
        guard value != ready, !(value && stopping) else { return }
        ready = value
        onReadiness(value)
    }

    /// Runs until `stop()` (or, in drain mode, until nothing is due). Returns after running
    /// jobs have finished or, past the shutdown timeout, been handed back unharmed.
    public func run() async throws {
        try await registerWorker()
        let listener = configuration.listen ? startListener() : nil
        let maintenanceTask = configuration.drain ? nil : startMaintenance()
        logger.info("worker started", metadata: [
            "id": "\(configuration.id)", "queues": "\(configuration.queues.joined(separator: ","))",
            "concurrency": "\(configuration.concurrency)", "kinds": "\(registry.kinds.joined(separator: ","))",
        ])
        let watchdog = startWatchdog()
        let heartbeat = startHeartbeat()
        defer {
            listener?.cancel()
            maintenanceTask?.cancel()
            watchdog.cancel()
            heartbeat.cancel()
        }
        if configuration.drain { try await maintenance.fireDueSchedules() }
        setReady(true)
        var consecutiveErrors = 0
        // While busy, refill in batches: claim when half of the slots are free (or 20 ms have
        // passed), not on every finished job, so one claim round trip serves many jobs. Half,
        // not a quarter: the slots then run as two cohorts, one claiming and running while the
        // other's group commit is on the wire, and each round trip carries twice the jobs
        // (counter 2 × 10: 10,450 against 9,500 jobs/s with a quarter, 9,900 with all slots).
        let refillBatch = max(1, configuration.concurrency / 2)
        var lastClaim = ContinuousClock.now
        while !stopping {
            // A slot is a running task: one job, or one chunk of many jobs of a chunk kind.
            let free = configuration.concurrency - deadlines.count
            var claimed = 0
            let busy = !running.isEmpty
            if free > 0 && (!busy || free >= refillBatch || ContinuousClock.now - lastClaim >= .milliseconds(20)) {
                do {
                    lastClaim = ContinuousClock.now
                    claimed = try await claimAndStart(limit: free)
                    consecutiveErrors = 0
                    setReady(true)
                } catch {
                    consecutiveErrors += 1
                    setReady(false)
                    QueueMetrics.claimFailed()
                    let backoff = Duration.milliseconds(min(5_000, 100 * (1 << min(consecutiveErrors, 6))))
                    logger.warning("claim failed; retrying", metadata: ["error": "\(error)", "in": "\(backoff)"])
                    try? await Task.sleep(for: backoff)
                    continue
                }
            }
            if configuration.drain && claimed == 0 && running.isEmpty {
                await completer.drain()
                // Our own completions may have made new work due (a job enqueueing another).
                if try await claimAndStart(limit: configuration.concurrency) == 0 && running.isEmpty { break }
                continue
            }
            if claimed > 0 && claimed == free { continue }  // there may be more waiting
            let topUp = busy && free < refillBatch && (claimed > 0 || free == 0)
            await wake.wait(timeout: topUp ? .milliseconds(20) : configuration.pollInterval)
        }
        await shutDown()
    }

    private func claimAndStart(limit: Int) async throws -> Int {
        let (store, configuration, registry) = (self.store, self.configuration, self.registry)
        let claimStarted = ContinuousClock.now
        endedDuringClaim = []
        defer { endedDuringClaim = nil }
        let (now, rows) = try await pool.withConnection { connection in
            try await connection.run { connection in
                var (now, rows) = try store.claim(queues: configuration.queues, limit: limit, worker: configuration.id,
                                                  leaseSeconds: configuration.leaseSeconds, on: connection)
                // A chunk takes one slot, so a full claim that holds chunk kinds is topped up to
                // whole chunks of those kinds: 10 slots can then apply 10 chunks of 500, not 10 jobs.
                guard rows.count == limit else { return (now, rows) }
                for (kind, count) in Dictionary(grouping: rows, by: \.kind).mapValues(\.count).sorted(by: { $0.key < $1.key }) {
                    guard case .chunk(let size, _) = registry.handlers[kind], count < size else { continue }
                    let more = try store.claim(queues: configuration.queues, kinds: [kind], limit: size - count, worker: configuration.id,
                                               leaseSeconds: configuration.leaseSeconds, now: now, on: connection)
                    rows += more.rows
                    now = now ?? more.now
                }
                return (now, rows)
            }
        }
        guard let now, !rows.isEmpty else { return 0 }
        QueueMetrics.claimed(rows, took: ContinuousClock.now - claimStarted)
        let ended = endedDuringClaim ?? []
        let ambiguous = start(rows, now: now, endedDuringClaim: ended)
        if !ambiguous.isEmpty { await handBackReclaimed(ambiguous) }
        return rows.count
    }

    /// Starts claimed jobs: chunk kinds grouped into chunks, everything else one task per job.
    ///
    /// A job already running here is not started again. Claims commit without waiting for the
    /// disk, so a server crash can lose one while its job runs on; the job is then claimed again,
    /// by this worker too. Its first run finishes it (the completion matches this worker's hold
    /// on it); a second run beside it would double the work, and its bookkeeping would replace
    /// the first's, leaving that task without a timeout or a hand-back at shutdown.
    ///
    /// The check must also cover a run that ended while the claim was on the wire: the claim
    /// awaits the database, and the run's task may end in that gap (under load, tens of
    /// milliseconds). If the claim took the job before that run recorded its end, the end
    /// matched the new hold and finished the job; a run now would be a second one. If the end
    /// was recorded first (a retry or snooze already due, or an end lost with the claim), the
    /// claim is a genuine new attempt. Which of the two is not known here, so such rows are
    /// returned, not run: `handBack` lets the database tell them apart.
    private func start(_ rows: [JobRow], now: Date, endedDuringClaim: Set<Int64>) -> [Int64] {
        var chunks: [String: [JobRow]] = [:]
        var ambiguous: [Int64] = []
        for row in rows {
            if running[row.id] != nil {
                logger.warning("job claimed again while it still runs here (a claim lost in a server crash); its run goes on",
                               metadata: ["job": "\(row.id)", "kind": "\(row.kind)"])
                continue
            }
            if endedDuringClaim.contains(row.id) {
                logger.warning("job claimed again while its run here was ending (a claim lost in a server crash); not run again",
                               metadata: ["job": "\(row.id)", "kind": "\(row.kind)"])
                ambiguous.append(row.id)
                continue
            }
            if case .chunk = registry.handlers[row.kind] {
                chunks[row.kind, default: []].append(row)
            } else {
                let execution = self.execution
                launch([row.id]) { await execution.run(row, now: now) }
            }
        }
        for (kind, rows) in chunks {
            guard case .chunk(let size, let body) = registry.handlers[kind] else { continue }
            let context = JobContext(now: now, workerID: configuration.id, store: store)
            let execution = self.execution
            for offset in stride(from: 0, to: rows.count, by: size) {
                let chunk = Array(rows[offset..<min(offset + size, rows.count)])
                launch(chunk.map(\.id)) {
                    let started = ContinuousClock.now
                    do {
                        try await execution.runChunk(chunk, body: body, context: context)
                        for row in chunk { QueueMetrics.ended(queue: row.queue, outcome: "completed", started: started) }
                    } catch {
                        if chunk.count == 1 { await execution.recordThrown(error, row: chunk[0], now: now) }
                    }
                }
            }
        }
        return ambiguous
    }

    /// Rows claimed again while their run here was ending (see `start`). Once that run's end is
    /// written (a batched completion too), a row this worker still holds was not finished by
    /// it: it goes back to the queue, its attempt not charged, and is claimed as usual. A row the
    /// run's end already finished is left alone (`unclaim` matches only rows still held here).
    private func handBackReclaimed(_ ids: [Int64]) async {
        await handBack(ids, ifItFails: "could not hand back jobs claimed again as their runs here ended; they return when their leases expire")
        wake.wake()
    }

    /// Returns jobs this worker still holds to the queue, their attempts not charged. Completions
    /// still buffered land first, or a completed job would be made available again and run twice.
    private func handBack(_ ids: [Int64], ifItFails message: Logger.Message) async {
        await completer.drain()
        let (store, workerID) = (self.store, configuration.id)
        do {
            try await pool.withConnection { connection in
                try await connection.run { try store.unclaim(ids, worker: workerID, on: $0) }
            }
        } catch {
            logger.error(message, metadata: ["jobs": "\(ids)", "error": "\(error)"])
        }
    }

    private func launch(_ ids: [Int64], _ work: @escaping @Sendable () async -> Void) {
        let deadline = JobDeadline(timeout: configuration.jobTimeout)
        let task = Task {
            await JobDeadline.$current.withValue(deadline) { await work() }
            self.finished(ids)
        }
        for id in ids { running[id] = task }
        deadlines[ids[0]] = (deadline, task)
        runningSet.insert(ids)
        QueueMetrics.running(running.count)
    }

    private func finished(_ ids: [Int64]) {
        endedDuringClaim?.formUnion(ids)
        for id in ids { running[id] = nil }
        deadlines[ids[0]] = nil
        runningSet.remove(ids)
        QueueMetrics.running(running.count)
        finishedCount += ids.count
        wake.wake()
    }

    // MARK: - Shutdown

    private func shutDown() async {
        let timeout = configuration.shutdownTimeout
        if !running.isEmpty {
            logger.info("stopping: waiting for running jobs", metadata: ["jobs": "\(running.count)", "timeout": "\(timeout)"])
            let deadline = ContinuousClock.now.advanced(by: timeout)
            while !running.isEmpty && ContinuousClock.now < deadline {
                await wake.wait(timeout: .milliseconds(50))
            }
        }
        if !running.isEmpty {
            let ids = Array(running.keys)
            logger.info("shutdown timeout reached: handing jobs back to the queue", metadata: ["jobs": "\(ids.count)"])
            for task in Set(running.values.map(HashableTask.init)) { task.task.cancel() }
            // Handlers that ignore cancellation must not hang the exit: wait a little, then go.
            // A late completion is harmless: every finishing statement checks `locked_by`.
            let cancelDeadline = ContinuousClock.now.advanced(by: .seconds(5))
            while !running.isEmpty && ContinuousClock.now < cancelDeadline {
                await wake.wait(timeout: .milliseconds(20))
            }
            await handBack(ids, ifItFails: "could not hand jobs back; they return when their leases expire")
        }
        await completer.drain()
        try? await deregisterWorker()
        await pool.close()
        logger.info("worker stopped", metadata: ["id": "\(configuration.id)", "jobs": "\(finishedCount)"])
    }

    // MARK: - Around the loop

    private func registerWorker() async throws {
        let (sql, configuration) = (store.sql, self.configuration)
        try await pool.withConnection { connection in
            try await connection.execute(sql.registerWorker, [configuration.id, configuration.queues, configuration.concurrency])
        }
    }

    private func deregisterWorker() async throws {
        let (sql, id) = (store.sql, configuration.id)
        try await pool.withConnection { try await $0.execute(sql.deregisterWorker, [id]) }
    }

    /// LISTEN on a connection of its own; any notification for one of our queues wakes the loop.
    private func startListener() -> Task<Void, Never> {
        let (database, channel, queues, logger, wake) = (self.database, store.channel, Set(configuration.queues), self.logger, self.wake)
        return Task.detached {
            var connection: PGConnection?
            while !Task.isCancelled {
                do {
                    if connection == nil {
                        let opened = try await PGConnection.connect(database, logger: logger)
                        try await opened.listen(channel)
                        connection = opened
                        wake.wake()  // anything enqueued while we were not listening
                    }
                    let notes = try await connection!.waitForNotifications(timeout: .seconds(5))
                    if notes.contains(where: { queues.contains($0.payload) }) { wake.wake() }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning("listener lost its connection; polling until it is back", metadata: ["error": "\(error)"])
                    connection = nil
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            await connection?.close()
        }
    }

    /// Cancels jobs past their timeout; their execution records a timeout failure.
    private func startWatchdog() -> Task<Void, Never> {
        let period = Duration.milliseconds(min(250, max(10, Int(configuration.jobTimeout.components.seconds * 250))))
        return Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                await self?.expireOverdue()
            }
        }
    }

    private func expireOverdue() {
        let now = ContinuousClock.now
        for (_, entry) in deadlines where entry.deadline.deadline <= now {
            if entry.deadline.expire() { entry.task.cancel() }
        }
    }

    private func startHeartbeat() -> Task<Void, Never> {
        let (maintenance, period) = (self.maintenance, Duration.milliseconds(Int(max(1, configuration.leaseSeconds / 3) * 1000)))
        return Task.detached {
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                if Task.isCancelled { break }
                await maintenance.renewLeases()
            }
        }
    }

    private func startMaintenance() -> Task<Void, Never> {
        let (maintenance, interval, wake) = (self.maintenance, configuration.maintenanceInterval, self.wake)
        return Task.detached {
            while !Task.isCancelled {
                if await maintenance.runOnce() { wake.wake() }
                try? await Task.sleep(for: interval)
            }
        }
    }
}

/// Tasks by identity, to cancel and await each chunk's task once.
private struct HashableTask: Hashable {
    let task: Task<Void, Never>
    static func == (lhs: HashableTask, rhs: HashableTask) -> Bool { lhs.task == rhs.task }
    func hash(into hasher: inout Hasher) { hasher.combine(task.hashValue) }
}

/// A locked set of job ids.
final class RunningSet: @unchecked Sendable {
    private let lock = NSLock()
    private var ids = Set<Int64>()
    func insert(_ new: [Int64]) { lock.withLock { ids.formUnion(new) } }
    func remove(_ old: [Int64]) { lock.withLock { ids.subtract(old) } }
    var all: [Int64] { lock.withLock { Array(ids) } }
}
