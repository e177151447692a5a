// Acknowledges completed jobs in batches: one statement per few milliseconds or N jobs.
import Foundation
import Logging
import PostgresClient

/// Why batches: a queue that commits once per job is capped by the disk's flush rate
/// (fdatasync ≈ 180 µs here). Handlers that do no database work report completion here, and
/// one statement moves up to `maxBatch` of them to `finished_jobs`.
///
/// At-least-once: if the process dies before a flush, those jobs are still `running`; their
/// leases expire and the rescuer runs them again.
actor BatchCompleter {
    private let store: JobStore
    private let workerID: String
    private let pool: PGPool
    private let logger: Logger
    private let maxBatch: Int
    private let interval: Duration
    /// False with a completed-job retention of 0: completed rows are deleted, not kept.
    private let keepHistory: Bool
    private var pending: [Int64] = []
    private var timer: Task<Void, Never>?
    private var inFlight = 0
    /// How long a flush keeps retrying while the database is away: the worker's lease.
    private let outageBound: Duration

    init(
        store: JobStore, workerID: String, pool: PGPool, logger: Logger, keepHistory: Bool = true,
        maxBatch: Int = 1000, interval: Duration = .milliseconds(5), outageBound: Duration = .seconds(30)
    ) {
        self.outageBound = outageBound
        self.keepHistory = keepHistory
        self.store = store
        self.workerID = workerID
        self.pool = pool
        self.logger = logger
        self.maxBatch = maxBatch
        self.interval = interval
    }

    /// Queues a completion. Flushes run in tasks of their own, never in the job's task, which
    /// may be cancelled (a timeout, a shutdown) and would then fail to get a connection.
    func add(_ id: Int64) {
        pending.append(id)
        if pending.count >= maxBatch {
            timer?.cancel()
            timer = nil
            Task.detached { await self.flush() }
        } else if timer == nil {
            timer = Task.detached { [interval] in
                try? await Task.sleep(for: interval)
                await self.flushFromTimer()
            }
        }
    }

    private func flushFromTimer() async {
        timer = nil // not cancelled: this is the timer's own task
        await flush()
    }

    /// Writes everything pending now. Retries a failed flush a few times, and while the database
    /// is away (`DatabaseAway`: a crash, a failover) for up to `outageBound`, so the completions
    /// land as soon as a connection can be had again; after that the jobs are left to their
    /// leases. A retry is harmless: the completion matches only jobs this worker still holds.
    func flush() async {
        guard !pending.isEmpty else { return }
        let ids = pending
        pending.removeAll(keepingCapacity: true)
        inFlight += 1
        defer { inFlight -= 1 }
        let (store, workerID, keepHistory) = (self.store, self.workerID, self.keepHistory)
        let deadline = ContinuousClock.now + outageBound
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await pool.withConnection { connection in
                    try await connection.run { connection in
                        try store.complete(ids, worker: workerID, now: nil, keepHistory: keepHistory, on: connection)
                    }
                }
                return
            } catch {
                logger.warning(
                    "batched completion failed",
                    metadata: ["jobs": "\(ids.count)", "attempt": "\(attempt)", "error": "\(error)"])
                let away = DatabaseAway.explains(error)
                guard attempt < 3 || (away && ContinuousClock.now < deadline) else { break }
                try? await Task.sleep(for: .milliseconds(min(50 * attempt, 1_000)))
            }
        }
        logger.error(
            "giving up on a completion batch; its jobs will run again after their leases expire",
            metadata: ["jobs": "\(ids.count)"])
    }

    /// Flushes until nothing is pending or being written.
    func drain() async {
        while !pending.isEmpty || inFlight > 0 {
            await flush()
            if inFlight > 0 { try? await Task.sleep(for: .milliseconds(2)) }
        }
    }
}
