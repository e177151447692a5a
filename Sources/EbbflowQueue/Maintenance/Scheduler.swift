// Enqueues the ticks of recurring schedules: once per tick, whatever the number of workers.
import Foundation
import PostgresClient

/// Each due schedule row is locked (SKIP LOCKED), its job enqueued and its `next_run_at`
/// moved to the first tick after now, in one transaction. Two workers cannot take the same
/// row, and a tick once enqueued is past. After downtime the next tick is computed from now,
/// so missed ticks run once, not once each. The job's unique key names the tick, a second guard.
struct Scheduler: Sendable {
    let store: JobStore
    let schedules: ScheduleStore

    func run(on connection: isolated PGConnection) throws -> Int {
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
