// Enqueues the ticks of recurring schedules: once per tick, whatever the number of workers.
import EbbflowCore
import Foundation
import PostgresClient

/// Each due schedule row is locked (SKIP LOCKED), its job enqueued and its `next_run_at`
/// moved to the first tick after now, in one transaction. Two workers cannot take the same
/// row, and a tick once enqueued is past. After downtime the next tick is computed from now,
/// so missed ticks run once, not once each. The job's unique key names the tick, a second guard.
public struct Scheduler: Sendable {
    let store: JobStore
    let schedules: ScheduleStore

    init(store: JobStore, schedules: ScheduleStore) {
        self.store = store
        self.schedules = schedules
    }

    /// A scheduler for `schema`, for drivers that move the clock themselves (the simulator).
    public init(schema: SchemaName) {
        self.init(store: JobStore(schema: schema), schedules: ScheduleStore(schema: schema))
    }

    /// Fires every due schedule once; returns how many fired.
    @discardableResult
    public func run(on connection: isolated PGConnection) throws -> Int {
        try connection.withTransactionSync {
            let now = try store.now(on: connection)
            var fired = 0
            for schedule in try schedules.lockDue(now: now, on: connection) {
                guard let cron = try? CronSchedule(parsing: schedule.cron, timeZone: TimeZone(identifier: schedule.timeZone) ?? .gmt) else {
                    try schedules.setEnabled(schedule.name, false, on: connection)
                    continue
                }
                let tick = schedule.nextRunAt
                let job = NewJob(kind: schedule.kind, args: schedule.args, queue: schedule.queue, priority: schedule.priority,
                                 maxAttempts: schedule.maxAttempts,
                                 uniqueKey: "schedule:\(schedule.name):\(Int64(tick.timeIntervalSince1970))")
                try store.enqueue(job, on: connection)
                let next = cron.next(after: now) ?? Date.distantFuture
                try schedules.advance(schedule.name, lastRunAt: tick, nextRunAt: next, on: connection)
                fired += 1
            }
            return fired
        }
    }
}
