// Schedules: one enqueue per tick however many workers run the scheduler; a missed run once.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

@Suite struct SchedulerTests {
    @Test func fourSchedulersOverTenMinutesEnqueueTen() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await connection.run {
                try DatabaseClock(schema: schema).set(Date(timeIntervalSince1970: 1_800_000_000), on: $0)
            }
            let schedules = ScheduleStore(schema: schema)
            _ = try await connection.run {
                try schedules.upsert(
                    name: "every_minute", cron: try CronSchedule(parsing: "* * * * *"), kind: "noop",
                    args: PGJSON("{}"), queue: "default", priority: 0, maxAttempts: 3, on: $0)
            }
            let scheduler = Scheduler(store: JobStore(schema: schema), schedules: schedules)
            let workers = try await (0..<4).asyncMap { _ in try await TestDatabase.connect() }
            for _ in 0..<10 {
                try await InProcess.advance(connection, schema, seconds: 60)
                try await withThrowingTaskGroup(of: Int.self) { group in
                    for worker in workers {
                        group.addTask { try await worker.run { try scheduler.run(on: $0) } }
                    }
                    try await group.waitForAll()
                }
            }
            #expect(
                try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE kind = 'noop'")
                    == 10)
        }
    }

    @Test func missedTicksRunOnceAfterDowntime() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await connection.run {
                try DatabaseClock(schema: schema).set(Date(timeIntervalSince1970: 1_800_000_000), on: $0)
            }
            let schedules = ScheduleStore(schema: schema)
            _ = try await connection.run {
                try schedules.upsert(
                    name: "hourly", cron: try CronSchedule(parsing: "@hourly"), kind: "noop",
                    args: PGJSON("{}"), queue: "default", priority: 0, maxAttempts: 3, on: $0)
            }
            try await InProcess.advance(connection, schema, seconds: 10 * 3600)
            // The engine's own schedules are due too at this clock: set them aside.
            try await connection.execute("UPDATE \(schema.quoted).schedules SET enabled = false WHERE name <> 'hourly'")
            let scheduler = Scheduler(store: JobStore(schema: schema), schedules: schedules)
            #expect(try await connection.run { try scheduler.run(on: $0) } == 1)
            #expect(try await connection.run { try scheduler.run(on: $0) } == 0)
            let row = try await connection.run { try schedules.list(on: $0) }.first { $0.name == "hourly" }!
            let now = try await connection.run { try JobStore(schema: schema).now(on: $0) }
            #expect(row.nextRunAt > now && row.nextRunAt.timeIntervalSince(now) <= 3600)
        }
    }

    /// A schedule whose job would be refused is refused when added; one already stored (written
    /// before that check) is disabled at its tick, and the schedules beside it still fire.
    @Test func aScheduleThatCannotFireIsRefusedOrDisabledAndTheOthersFire() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let schedules = ScheduleStore(schema: schema)
            for (queue, attempts) in [("default", 0), ("", 3)] {
                await #expect(throws: QueueError.self) {
                    try await connection.run {
                        try schedules.upsert(
                            name: "bad", cron: try CronSchedule(parsing: "@hourly"), kind: "noop",
                            args: PGJSON("{}"), queue: queue, priority: 0, maxAttempts: attempts, on: $0)
                    }
                }
            }
            try await connection.run { connection in
                for name in ["good", "bad"] {
                    _ = try schedules.upsert(
                        name: name, cron: try CronSchedule(parsing: "@hourly"), kind: "noop",
                        args: PGJSON("{}"), queue: "default", priority: 0, maxAttempts: 3, on: connection)
                }
            }
            try await connection.execute("UPDATE \(schema.quoted).schedules SET max_attempts = 0 WHERE name = 'bad'")
            try await connection.execute(
                "UPDATE \(schema.quoted).schedules SET enabled = false WHERE name NOT IN ('good', 'bad')")
            try await InProcess.advance(connection, schema, seconds: 3600)
            #expect(try await connection.run { try Scheduler(schema: schema).run(on: $0) } == 1)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE unique_key LIKE 'schedule:good:%'") == 1)
            let bad = try await connection.run { try schedules.list(on: $0) }.first { $0.name == "bad" }!
            #expect(!bad.enabled)
        }
    }

    /// A schedule whose queue a worker can claim keeps firing: a too-narrow queue-name rule once
    /// disabled stored schedules on `tenant:42` or `émails` at their next tick after an upgrade.
    @Test func storedSchedulesOnClaimableQueuesKeepFiring() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let schedules = ScheduleStore(schema: schema)
            try await connection.execute("UPDATE \(schema.quoted).schedules SET enabled = false")
            for (name, queue) in [("tenant", "tenant:42"), ("mail", "mail/high"), ("accent", "émails")] {
                try await connection.execute(
                    """
                    INSERT INTO \(schema.quoted).schedules (name, cron, time_zone, kind, args, queue, priority, max_attempts, next_run_at)
                    VALUES ($1, '@hourly', 'UTC', 'noop', '{}', $2, 0, 3, \(schema.quoted).clock_now())
                    """, [name, queue])
            }
            #expect(try await connection.run { try Scheduler(schema: schema).run(on: $0) } == 3)
            #expect(
                try await connection.run { try schedules.list(on: $0) }.filter {
                    ["tenant", "mail", "accent"].contains($0.name)
                }
                .allSatisfy(\.enabled))
            #expect(
                try await MigratedSchema.count(
                    connection,
                    """
                    SELECT 1 FROM \(schema.quoted).jobs WHERE queue IN ('tenant:42', 'mail/high', 'émails')
                    """) == 3)
        }
    }

    /// The library refuses an existing name unless asked to replace it, as the CLI does: its
    /// default `replace: true` once let any caller overwrite a built-in without a word.
    @Test func upsertRefusesAnExistingNameByDefault() async throws {
        try await MigratedSchema.with { connection, schema in
            let schedules = ScheduleStore(schema: schema)
            await #expect(throws: QueueError.self) {
                try await connection.run {
                    try schedules.upsert(
                        name: "inactivity_sweep", cron: try CronSchedule(parsing: "0 0 1 1 *"), kind: "noop",
                        args: PGJSON("{}"), queue: "default", priority: 0, maxAttempts: 3, on: $0)
                }
            }
            let listed = try await connection.run { try schedules.list(on: $0) }
            #expect(listed.first(where: { $0.name == "inactivity_sweep" })?.kind == "sweep_inactivity", "unchanged")
        }
    }

    /// A clock set back (a simulation starting in the past) leaves ticks months ahead: rebase
    /// brings each to its first tick after the new now. A tick already due, or already the next,
    /// stays, so moving the clock forward keeps its one catch-up run; a second rebase moves nothing.
    @Test func rebaseBringsTicksBackAfterTheClockWentBack() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let later = Date(timeIntervalSince1970: 1_900_000_000),
                earlier = Date(timeIntervalSince1970: 1_800_000_000) // 2030, 2027
            let schedules = ScheduleStore(schema: schema)
            try await connection.run { connection in
                try DatabaseClock(schema: schema).set(later, on: connection)
                _ = try schedules.upsert(
                    name: "daily", cron: try CronSchedule(parsing: "0 3 * * *"), kind: "noop",
                    args: PGJSON("{}"), queue: "default", priority: 0, maxAttempts: 3, on: connection)
                try DatabaseClock(schema: schema).set(earlier, on: connection)
            }
            let moved = try await connection.run { try schedules.rebase(on: $0) }
            #expect(moved >= 1, "the daily tick and the engine's own schedules come back")
            let daily = try await connection.run { try schedules.list(on: $0) }.first { $0.name == "daily" }!
            #expect(daily.nextRunAt == (try CronSchedule(parsing: "0 3 * * *")).next(after: earlier))
            #expect(try await connection.run { try schedules.rebase(on: $0) } == 0)
            // Forward past the tick: it is due, and rebase leaves it due (one catch-up run).
            try await connection.run {
                try DatabaseClock(schema: schema).set(earlier.addingTimeInterval(5 * 86_400), on: $0)
            }
            #expect(try await connection.run { try schedules.rebase(on: $0) } == 0)
            #expect(try await connection.run { try Scheduler(schema: schema).run(on: $0) } >= 1)
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
