// The jobs this worker runs now: one table read by the claim loop, the lease heartbeat and the watchdog.
import Foundation

/// A running task (one job, or one chunk of many jobs of a chunk kind) with its deadline.
struct RunningTask: Sendable {
    let ids: [Int64]
    let deadline: JobDeadline
    let task: Task<Void, Never>
}

/// Why a locked table and not actor state: the claim loop writes it (start, finish), and the
/// lease heartbeat reads it on its own period to extend the leases of exactly these jobs; it
/// must not wait for a hop to the claim loop, which may be busy claiming. Every write happens
/// on the claim loop (the watchdog's expiry too, see `Watchdog`).
final class RunningJobs: @unchecked Sendable {
    private let lock = NSLock()
    /// Every running job id, to the task that runs it.
    private var byJob: [Int64: RunningTask] = [:]
    /// One entry per task (a slot), keyed by its first job id.
    private var bySlot: [Int64: RunningTask] = [:]

    func insert(_ running: RunningTask) {
        lock.withLock {
            for id in running.ids { byJob[id] = running }
            bySlot[running.ids[0]] = running
        }
    }

    func remove(_ ids: [Int64]) {
        lock.withLock {
            for id in ids { byJob[id] = nil }
            bySlot[ids[0]] = nil
        }
    }

    func contains(_ id: Int64) -> Bool { lock.withLock { byJob[id] != nil } }
    /// Slots in use: what the claim loop compares with its concurrency.
    var slots: Int { lock.withLock { bySlot.count } }
    /// Jobs running (a chunk counts each of its jobs).
    var jobCount: Int { lock.withLock { byJob.count } }
    var isEmpty: Bool { lock.withLock { byJob.isEmpty } }
    var ids: [Int64] { lock.withLock { Array(byJob.keys) } }
    var tasks: [Task<Void, Never>] { lock.withLock { bySlot.values.map(\.task) } }

    /// Marks the tasks past their deadline as timed out and cancels them (once each).
    func expireOverdue(now: ContinuousClock.Instant) {
        let overdue = lock.withLock { bySlot.values.filter { $0.deadline.deadline <= now } }
        for entry in overdue where entry.deadline.expire() { entry.task.cancel() }
    }
}
