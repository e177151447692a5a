// `ebbflow schedules preview EXPR`: the next fire times of a cron expression, one ISO 8601 line each.
import ArgumentParser
import EbbflowCore
import EbbflowQueue
import Foundation

struct SchedulesPreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview", abstract: "Print the next fire times of a cron expression.")

    @OptionGroup var cronOptions: CronOptions
    @Argument(help: "Cron expression.") var expression: String
    @Option(help: "Start after this ISO 8601 time (default: now).") var from: String?
    @Option(parsing: .unconditional, help: "How many fire times.") var count = 5
    @Flag(help: "Print a JSON array.") var json = false

    func validate() throws {
        _ = try cronOptions.schedule(expression)
        if let from, ISO8601Text.parse(from) == nil {
            throw InputError("--from \"\(from)\" is not an ISO 8601 time with its zone, such as 2026-01-01T09:00:00Z")
        }
        guard count > 0 && count <= 10_000 else { throw InputError("--count must be 1...10000") }
    }

    func run() throws {
        let schedule = try cronOptions.schedule(expression)
        let start = from.flatMap(ISO8601Text.parse) ?? Date()
        // Proleptic Gregorian, as parsed and stored (Foundation's formatter turned Julian before
        // 1582, so a time after --from could print as one before it); strictly after --from;
        // and only years --from itself accepts (four digits), never one the CLI would refuse.
        let times = schedule.nextTimes(after: start, count: count)
            .prefix { $0 <= ISO8601Text.lastPrintable }
            .filter { $0 > start }
            .map { ISO8601Text.string($0, in: schedule.timeZone) }
        guard !times.isEmpty else {
            throw InputError(
                "cron expression \"\(expression)\" never fires after \(ISO8601Text.string(start, in: schedule.timeZone)) before the year 10000"
            )
        }
        print(json ? try Output.json(Array(times)) : times.joined(separator: "\n"))
    }
}
