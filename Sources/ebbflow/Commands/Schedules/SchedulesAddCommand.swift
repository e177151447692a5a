// `ebbflow schedules add NAME --cron EXPR --kind K [--replace]`: create a recurring job, or replace one on request.
import ArgumentParser
import EbbflowQueue
import Foundation
import PostgresClient

struct SchedulesAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Create a schedule (--replace to replace one of that name).")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var cronOptions: CronOptions
    @Argument(help: "Schedule name.") var name: String
    @Option(help: "Cron expression: 5 fields, or @hourly, @daily, @weekly, @monthly, @yearly, @every 15m.") var cron:
        String
    @Option(help: "Job kind to enqueue on each tick.") var kind: String
    @Option(help: "Job arguments as a JSON object.") var args = "{}"
    @Option(help: "Queue name.") var queue = "default"
    // Unconditional: a negative priority is a value, not an option (`--priority -5`).
    @Option(parsing: .unconditional, help: "Priority: lower runs first; negative allowed.") var priority = 0
    @Option(parsing: .unconditional, help: "Attempts per enqueued job.") var maxAttempts = 20
    @Flag(
        help:
            "Replace the schedule of that name if there is one (built-ins too; `schedules restore` puts a built-in back)."
    )
    var replace = false

    func validate() throws {
        _ = try cronOptions.schedule(cron)
        guard (try? JSONSerialization.jsonObject(with: Data(args.utf8))) is [String: Any] else {
            throw InputError("--args must be a JSON object; got: \(args)")
        }
        guard !name.isEmpty, !kind.isEmpty else { throw InputError("NAME and --kind must not be empty") }
        if !queue.isEmpty { try QueueName.check(queue, field: "--queue") }
    }

    func run() async throws {
        let schedules = ScheduleStore(schema: try connection.schemaName)
        let schedule = try cronOptions.schedule(cron)
        let database = try await connection.connect()
        let (name, kind, args, queue, priority, maxAttempts, replace) = (
            self.name, self.kind, self.args, self.queue, self.priority, self.maxAttempts, self.replace
        )
        let row = try await database.run {
            try schedules.upsert(
                name: name, cron: schedule, kind: kind, args: PGJSON(args), queue: queue, priority: priority,
                maxAttempts: maxAttempts, replace: replace, on: $0)
        }
        print(
            "schedule \(row.name): \(row.cron) (\(row.timeZone)) enqueues \(row.kind); next run \(Output.time(row.nextRunAt))"
        )
    }
}
