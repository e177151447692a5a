// The claim loop: claims due jobs in batches with SKIP LOCKED, starts them, and on shutdown lets them finish or hands them back.
import Foundation
import Logging
import PostgresClient
import ServiceLifecycle

/// Work a drain makes due from outside the queue: called on one of the worker's connections
/// each time a draining worker runs dry, it enqueues what has become due (delivery's dispatcher
/// leases the due sends and enqueues their jobs) and returns how many it enqueued; the drain
/// ends only when it returns 0 and nothing is left to claim.
public typealias DrainFeed = @Sendable (isolated PGConnection) throws -> Int

/// The worker's one service that takes work.
///
/// It takes as many jobs as it has free slots in one round trip, starts them, and sleeps
/// until a NOTIFY (an enqueue of due work, see `NotificationListener`), a finished job or the
/// poll interval wakes it. On graceful shutdown (or `stop`) it claims no more, gives running
/// jobs the configured grace, hands back what is still running, and returns. In drain mode it
/// returns by itself once nothing is due; its service configuration then shuts the group down.
actor ClaimLoop: Service {
    private let configuration: WorkerConfiguration
    private let store: JobStore
    private let registry: JobRegistry
    private let pool: PGPool
    private let completer: BatchCompleter
    private let execution: JobExecution
    private let running: RunningJobs
    private let readiness: WorkerReadiness
    private let wake: WakeSignal
    private let limits: QueueLimitWatch
    private let gate: ClaimGate?
    private let drainFeed: DrainFeed?
    private let logger: Logger

    /// Jobs whose run here ended while a claim was in flight (nil when none is): see `start`.
    private var endedDuringClaim: Set<Int64>?
    /// Set when a claim failed because the database went away (`DatabaseAway`): its answer may
    /// have been lost after it committed. The next claim first hands back what this worker holds
    /// but does not run (`reclaimLostClaims`).
    private var claimMayBeLost = false
    /// Jobs run to an end by this worker (for drain reports and tests).
    private(set) var finishedCount = 0
    /// Rate-limited queues left without a token by the last claims, skipped until their next one.
    private var throttle = QueueThrottle()
    /// The rate-limited queues among the worker's own, as last read, and when (`QueueLimitWatch`):
    /// a claim that names none of them is unmetered. Read again when a NOTIFY says a limit
    /// changed, and at least once per poll interval.
    private var limited: Set<String> = []
    private var limitedReadAt: ContinuousClock.Instant?

    init(
        configuration: WorkerConfiguration, store: JobStore, registry: JobRegistry, pool: PGPool,
        completer: BatchCompleter, execution: JobExecution, running: RunningJobs, readiness: WorkerReadiness,
        wake: WakeSignal, limits: QueueLimitWatch, gate: ClaimGate?, drainFeed: DrainFeed? = nil, logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.registry = registry
        self.pool = pool
        self.completer = completer
        self.execution = execution
        self.running = running
        self.readiness = readiness
        self.wake = wake
        self.limits = limits
        self.gate = gate
        self.drainFeed = drainFeed
        self.logger = logger
    }

    /// Asks the loop to stop claiming; `run()` then finishes or hands back running jobs.
    /// Not isolated: a graceful-shutdown handler calls it and must not wait for the loop.
    nonisolated func stop() {
        readiness.requestStop()
        wake.wake()
    }

    func run() async throws {
        // Cancellation (the group cancelled, not shut down gracefully) stops claiming too: the
        // running jobs are unstructured tasks that a cancelled loop would otherwise abandon.
        let ended: Result<Void, any Error>
        do {
            try await withTaskCancellationHandler {
                try await withGracefulShutdownHandler {
                    try await loop()
                } onGracefulShutdown: { [self] in
                    stop()
                }
            } onCancel: { [self] in
                stop()
            }
            ended = .success(())
        } catch {
            ended = .failure(error)
        }
        // Not ready from here on, whatever ended the loop (a stop, or drain mode running dry).
        readiness.requestStop()
        // Off the (possibly cancelled) service task: the hand-back must still reach the database.
        await Task { await shutDown() }.value
        try ended.get()
    }

    private func loop() async throws {
        if let gate {
            while !gate.isOpen && !readiness.stopRequested { await wake.wait(timeout: .milliseconds(20)) }
        }
        if readiness.stopRequested { return }
        readiness.set(true)
        var consecutiveErrors = 0
        // While busy, refill in batches: claim when half of the slots are free (or 20 ms have
        // passed), not on every finished job, so one claim round trip serves many jobs. Half,
        // not a quarter: the slots then run as two cohorts, one claiming and running while the
        // other's group commit is on the wire, and each round trip carries twice the jobs
        // (counter 2 × 10: 10,450 against 9,500 jobs/s with a quarter, 9,900 with all slots).
        let refillBatch = max(1, configuration.concurrency / 2)
        var lastClaim = ContinuousClock.now
        while !readiness.stopRequested {
            // A slot is a running task: one job, or one chunk of many jobs of a chunk kind.
            let free = configuration.concurrency - running.slots
            var claimed = 0
            let busy = !running.isEmpty
            let open = throttle.open(configuration.queues, at: .now)
            if free > 0 && !open.isEmpty
                && (!busy || free >= refillBatch || ContinuousClock.now - lastClaim >= .milliseconds(20))
            {
                do {
                    if claimMayBeLost { try await reclaimLostClaims() }
                    lastClaim = ContinuousClock.now
                    claimed = try await claimAndStart(limit: free, queues: open)
                    consecutiveErrors = 0
                    readiness.set(true)
                } catch {
                    consecutiveErrors += 1
                    readiness.set(false)
                    if DatabaseAway.explains(error) { claimMayBeLost = true }
                    QueueMetrics.claimFailed()
                    let backoff = Duration.milliseconds(min(5_000, 100 * (1 << min(consecutiveErrors, 6))))
                    logger.warning("claim failed; retrying", metadata: ["error": "\(error)", "in": "\(backoff)"])
                    try? await Task.sleep(for: backoff)
                    continue
                }
            }
            if configuration.drain && claimed == 0 && running.isEmpty {
                // A rate-limited queue may still hold due jobs: wait for its next token, unless
                // the database clock stands still (a simulation), when none would ever come.
                if let opening = throttle.nextOpening(at: .now), !throttle.clockStopped {
                    await wake.wait(timeout: opening)
                    continue
                }
                await completer.drain()
                // Work from outside the queue that is due now (sends to deliver), enqueued before
                // the last claim so that claim sees it.
                // A transient failure here (a lost connection, a timeout waiting for another
                // process's dispatch) is retried like a failed claim: a drain that ended on it
                // would leave due work behind.
                var fed = 0
                var more = 0
                do {
                    if let drainFeed {
                        fed = try await pool.withConnection { connection in
                            try await connection.run { try drainFeed($0) }
                        }
                    }
                    // Our own completions may have made new work due (a job enqueueing another).
                    let open = throttle.open(configuration.queues, at: .now)
                    more = open.isEmpty ? 0 : try await claimAndStart(limit: configuration.concurrency, queues: open)
                    consecutiveErrors = 0
                } catch {
                    consecutiveErrors += 1
                    QueueMetrics.claimFailed()
                    let backoff = Duration.milliseconds(min(5_000, 100 * (1 << min(consecutiveErrors, 6))))
                    logger.warning(
                        "draining: feeding or claiming failed; retrying",
                        metadata: ["error": "\(error)", "in": "\(backoff)"])
                    try? await Task.sleep(for: backoff)
                    continue
                }
                if more == 0 && fed == 0 && running.isEmpty
                    && (throttle.nextOpening(at: .now) == nil || throttle.clockStopped)
                {
                    break
                }
                continue
            }
            if claimed > 0 && claimed == free { continue } // there may be more waiting
            let topUp = busy && free < refillBatch && (claimed > 0 || free == 0)
            var timeout = topUp ? .milliseconds(20) : configuration.pollInterval
            if let opening = throttle.nextOpening(at: .now) { timeout = min(timeout, opening) }
            await wake.wait(timeout: timeout)
        }
    }

    private func claimAndStart(limit: Int, queues: [String]) async throws -> Int {
        let (store, configuration, registry) = (self.store, self.configuration, self.registry)
        let claimStarted = ContinuousClock.now
        endedDuringClaim = []
        defer { endedDuringClaim = nil }
        // Read the limits first when a NOTIFY said one changed or the last read is a poll interval
        // old; the stale mark is taken before the read, so a change committed after it marks again.
        let reread =
            limits.takeStale() || limitedReadAt.map { claimStarted - $0 >= configuration.pollInterval } ?? true
        let known = limited
        // A claim that fails after taking the stale mark leaves it for the next one.
        var read = false
        defer { if reread && !read { limits.invalidate() } }
        let (claims, readLimited) = try await pool.withConnection { connection in
            try await connection.run { connection in
                let limited = try reread ? store.limitedQueues(among: configuration.queues, on: connection) : known
                let metered = queues.contains { limited.contains($0) }
                var claims = [
                    try store.claim(
                        queues: queues, limit: limit, worker: configuration.id,
                        leaseSeconds: configuration.leaseSeconds, metered: metered, on: connection)
                ]
                // A chunk takes one slot, so a full claim that holds chunk kinds is topped up to
                // whole chunks of those kinds: 10 slots can then apply 10 chunks of 500, not 10 jobs.
                // The top-up is a claim like any other: a limited queue's bucket pays for it too.
                let (now, rows) = (claims[0].now, claims[0].rows)
                guard rows.count == limit else { return (claims, limited) }
                for (kind, count) in Dictionary(grouping: rows, by: \.kind).mapValues(\.count).sorted(by: {
                    $0.key < $1.key
                }) {
                    guard case .chunk(let size, _) = registry.handlers[kind], count < size else { continue }
                    claims.append(
                        try store.claim(
                            queues: queues, kinds: [kind], limit: size - count, worker: configuration.id,
                            leaseSeconds: configuration.leaseSeconds, now: now, metered: metered, on: connection))
                }
                return (claims, limited)
            }
        }
        read = true
        if reread {
            limited = readLimited
            limitedReadAt = claimStarted
        }
        let claimEnded = ContinuousClock.now
        for claim in claims {
            throttle.record(claim, queues: queues, cap: configuration.pollInterval, at: claimEnded)
        }
        let rows = claims.flatMap(\.rows)
        guard let now = claims[0].now, !rows.isEmpty else { return 0 }
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
            if running.contains(row.id) {
                logger.warning(
                    "job claimed again while it still runs here (a claim lost in a server crash); its run goes on",
                    metadata: ["job": "\(row.id)", "kind": "\(row.kind)"])
                continue
            }
            if endedDuringClaim.contains(row.id) {
                logger.warning(
                    "job claimed again while its run here was ending (a claim lost in a server crash); not run again",
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
                        for row in chunk {
                            QueueMetrics.ended(queue: row.queue, outcome: "completed", started: started)
                        }
                    } catch {
                        // A failing job was found by halving (`runChunk`); a database that went
                        // away failed the whole chunk, and each of its jobs records that.
                        if chunk.count == 1 || DatabaseAway.explains(error) {
                            for row in chunk { await execution.recordThrown(error, row: row, now: now) }
                        }
                    }
                }
            }
        }
        return ambiguous
    }

    /// Hands back the jobs this worker holds but does not run, once the database answers again
    /// after a claim failed because it went away. A claim whose COMMIT landed (on the standby too,
    /// before the crash) but whose answer was lost left its jobs `running` under this worker,
    /// which never started them; they waited for their leases to lapse (30 s). Completions still
    /// buffered land first (`BatchCompleter`), so no job finished here is made available again;
    /// a job whose end is still being written is in `running` until it is written. Runs on the
    /// loop's actor before a claim, so no claim of this worker is in flight meanwhile.
    private func reclaimLostClaims() async throws {
        // Read before the drain: a job of the batched kinds that ends after this read is in
        // `held`, and one that ended before it has its completion flushed by the drain.
        let (store, workerID, held) = (self.store, configuration.id, running.ids)
        await completer.drain()
        let handedBack = try await pool.withConnection { connection in
            try await connection.run { try store.unclaimAllBut(running: held, worker: workerID, on: $0) }
        }
        claimMayBeLost = false
        if handedBack > 0 {
            logger.info(
                "handed back jobs held here but not run (a claim whose answer was lost with the database)",
                metadata: ["jobs": "\(handedBack)"])
        }
    }

    /// Rows claimed again while their run here was ending (see `start`). Once that run's end is
    /// written (a batched completion too), a row this worker still holds was not finished by
    /// it: it goes back to the queue, its attempt not charged, and is claimed as usual. A row the
    /// run's end already finished is left alone (`unclaim` matches only rows still held here).
    private func handBackReclaimed(_ ids: [Int64]) async {
        await handBack(
            ids,
            ifItFails:
                "could not hand back jobs claimed again as their runs here ended; they return when their leases expire")
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

    /// How long the shutdown's hand-back (and the completions buffered before it) may take. Best
    /// effort: a database that does not answer must not hold the exit; the leases return the
    /// jobs instead, to another worker, `--lease-seconds` after their last heartbeat.
    static let handBackBound: Duration = .seconds(3)

    private func launch(_ ids: [Int64], _ work: @escaping @Sendable () async -> Void) {
        let deadline = JobDeadline(timeout: configuration.jobTimeout)
        let task = Task {
            await JobDeadline.$current.withValue(deadline) { await work() }
            self.finished(ids)
        }
        running.insert(RunningTask(ids: ids, deadline: deadline, task: task))
        QueueMetrics.running(running.jobCount)
    }

    private func finished(_ ids: [Int64]) {
        endedDuringClaim?.formUnion(ids)
        running.remove(ids)
        QueueMetrics.running(running.jobCount)
        finishedCount += ids.count
        wake.wake()
    }

    /// Cancels the tasks past their deadline (see `Watchdog` for why on this actor).
    func expireOverdue() {
        running.expireOverdue(now: .now)
    }

    // MARK: - Shutdown

    /// Gives running jobs the shutdown grace, then hands back those still running.
    private func shutDown() async {
        let timeout = configuration.shutdownTimeout
        if !running.isEmpty {
            logger.info(
                "stopping: waiting for running jobs",
                metadata: ["jobs": "\(running.jobCount)", "timeout": "\(timeout)"])
            // From the stop request: a claim blocked on the database may have held the loop past it.
            let deadline = (readiness.stopRequestedAt ?? .now).advanced(by: timeout)
            while !running.isEmpty && ContinuousClock.now < deadline {
                await wake.wait(timeout: .milliseconds(50))
            }
        }
        if !running.isEmpty {
            let ids = running.ids
            logger.info("shutdown timeout reached: handing jobs back to the queue", metadata: ["jobs": "\(ids.count)"])
            for task in running.tasks { task.cancel() }
            // Handlers that ignore cancellation must not hang the exit: wait a little, then go.
            // A late completion is harmless: every finishing statement checks `locked_by`.
            let cancelDeadline = ContinuousClock.now.advanced(by: .seconds(5))
            while !running.isEmpty && ContinuousClock.now < cancelDeadline {
                await wake.wait(timeout: .milliseconds(20))
            }
            let handedBack = await finishedWithin(Self.handBackBound) { [self] in
                await handBack(ids, ifItFails: "could not hand jobs back; they return when their leases expire")
            }
            guard handedBack else {
                logger.error(
                    "hand-back skipped: the database did not answer within 3 s; the jobs return when their leases expire",
                    metadata: ["jobs": "\(ids.count)"])
                return
            }
        }
        let drained = await finishedWithin(Self.handBackBound) { [completer] in await completer.drain() }
        if !drained {
            logger.error(
                "completions not recorded: the database did not answer within 3 s; those jobs run again when their leases expire"
            )
        }
    }
}
