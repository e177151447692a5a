// `ebbflow schedules`: recurring cron-like jobs, and a preview of any cron expression.
import ArgumentParser
import EbbflowQueue
import Foundation

struct SchedulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules", abstract: "Recurring jobs on cron expressions.",
        subcommands: [SchedulesAddCommand.self, SchedulesListCommand.self, SchedulesEnableCommand.self, SchedulesDisableCommand.self,
                      SchedulesRemoveCommand.self, SchedulesRunNowCommand.self, SchedulesPreviewCommand.self])
}

/// The cron expression and zone of `add` and `preview`, checked the same way.
struct CronOptions: ParsableArguments {
    @Option(help: "IANA time zone the expression is read in.") var tz = "UTC"

    func schedule(_ expression: String) throws -> CronSchedule {
        guard let zone = TimeZone(identifier: tz) else { throw InputError("unknown time zone \"\(tz)\"; use an IANA name such as Europe/Paris") }
        do { return try CronSchedule(parsing: expression, timeZone: zone) } catch {
            throw InputError("invalid cron expression \"\(expression)\": \(error)")
        }
    }
}

