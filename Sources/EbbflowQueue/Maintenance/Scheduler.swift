// Enqueues the ticks of recurring schedules: once per tick, whatever the number of workers.
import EbbflowCore
import Foundation
import Logging
import PostgresClient

/// Each due schedule row is locked (SKIP LOCKED), its job enqueued and its `next_run_at`
/// moved to the first tick after now, in one transaction. Two workers cannot take the same
/// row, and a tick once enqueued is past. After downtime the next tick is computed from now,
/// so missed ticks run once, not once each. The job's unique key names the tick, a second guard.
///
/// A schedule that cannot fire (its expression no longer parses, or its job would be refused,
/// as a row written before `schedules add` checked it could be) is disabled and logged: one bad
/// row failing the pass's transaction would keep every other schedule from firing.
public struct Scheduler: Sendable {
    let store: JobStore
    let schedules: ScheduleStore
    let logger: Logger?

    init(store: JobStore, schedules: ScheduleStore, logger: Logger? = nil) {
        self.store = store
        self.schedules = schedules
        self.logger = logger
    }

    /// A scheduler for `schema`, for drivers that move the clock themselves (the simulator).
    public init(schema: SchemaName, logger: Logger? = nil) {
        self.init(store: JobStore(schema: schema), schedules: ScheduleStore(schema: schema), logger: logger)
    }

    /// Fires every due schedule once; returns how many fired.
    @discardableResult
    public func run(on connection: isolated PGConnection) throws -> Int {
        try connection.withTransactionSync {
            let now = try store.now(on: connection)
            var fired = 0
            for schedule in try schedules.lockDue(now: now, on: connection) {
                let tick = schedule.nextRunAt
                let job = NewJob(
                    kind: schedule.kind, args: schedule.args, queue: schedule.queue, priority: schedule.priority,
                    maxAttempts: schedule.maxAttempts,
                    uniqueKey: "schedule:\(schedule.name):\(Int64(tick.timeIntervalSince1970))")
                let cron: CronSchedule
                do {
                    guard let zone = TimeZone(identifier: schedule.timeZone) else {
                        throw QueueError.invalid("unknown time zone \"\(schedule.timeZone)\"")
                    }
                    cron = try CronSchedule(parsing: schedule.cron, timeZone: zone)
                    try job.validate()
                } catch {
                    try schedules.setEnabled(schedule.name, false, on: connection)
                    logger?.error(
                        "schedule disabled: it cannot fire",
                        metadata: ["schedule": "\(schedule.name)", "error": "\(error)"])
                    continue
                }
                try store.enqueue(job, on: connection)
                let next = cron.next(after: now) ?? Date.distantFuture
                try schedules.advance(schedule.name, lastRunAt: tick, nextRunAt: next, on: connection)
                fired += 1
            }
            return fired
        }
    }
}
