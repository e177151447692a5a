// Setting or resetting the clock by hand rebases the schedules in the same move.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

@Suite struct ClockControlTests {
    /// Installed by a clock in 2030, a daily schedule's tick comes back to the day after the
    /// clock is set to 2027, and back to the real time's next tick when the clock is reset.
    @Test func settingAndResettingTheClockRebaseTheSchedules() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let later = Date(timeIntervalSince1970: 1_900_000_000), earlier = Date(timeIntervalSince1970: 1_800_000_000)
            let (schedules, control, cron) = (
                ScheduleStore(schema: schema), ClockControl(schema: schema), try CronSchedule(parsing: "0 3 * * *")
            )
            try await connection.run { connection in
                try DatabaseClock(schema: schema).set(later, on: connection)
                _ = try schedules.upsert(
                    name: "daily", cron: cron, kind: "noop", args: PGJSON("{}"), queue: "default", priority: 0,
                    maxAttempts: 3, on: connection)
                try control.move(.set(earlier), on: connection)
            }
            var daily = try await connection.run { try schedules.list(on: $0) }.first { $0.name == "daily" }!
            #expect(daily.nextRunAt == cron.next(after: earlier))
            try await connection.run { try control.move(.set(later), on: $0) }
            try await connection.run { connection in
                _ = try schedules.upsert(
                    name: "daily", cron: cron, kind: "noop", args: PGJSON("{}"), queue: "default", priority: 0,
                    maxAttempts: 3, replace: true, on: connection)
            }
            let now = try await connection.withTransaction { connection in
                try control.move(.reset, on: connection)
                return try DatabaseClock(schema: schema).now(on: connection)
            }
            daily = try await connection.run { try schedules.list(on: $0) }.first { $0.name == "daily" }!
            #expect(daily.nextRunAt == cron.next(after: now), "reset from a clock that ran ahead brings the tick back")
        }
    }
}
