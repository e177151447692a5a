// `ebbflow schedules`: recurring cron-like jobs, and a preview of any cron expression.
import ArgumentParser
import EbbflowQueue
import Foundation

struct SchedulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedules", abstract: "Recurring jobs on cron expressions.",
        subcommands: [
            SchedulesAddCommand.self, SchedulesListCommand.self, SchedulesEnableCommand.self,
            SchedulesDisableCommand.self,
            SchedulesRemoveCommand.self, SchedulesRestoreCommand.self, SchedulesRunNowCommand.self,
            SchedulesPreviewCommand.self,
        ])
}

/// The cron expression and zone of `add` and `preview`, checked the same way.
struct CronOptions: ParsableArguments {
    @Option(help: "IANA time zone the expression is read in (Europe/Paris, America/New_York, UTC).") var tz = "UTC"

    func schedule(_ expression: String) throws -> CronSchedule {
        let zone = try Self.zone(named: tz)
        do { return try CronSchedule(parsing: expression, timeZone: zone) } catch {
            // A whole-expression error already quotes the expression; a field error names its field.
            throw InputError(
                error.field == nil ? "invalid \(error)" : "invalid cron expression \"\(expression)\": \(error)")
        }
    }

    /// The zone an IANA name means, matched without regard to case. `UTC` in any case is UTC.
    /// `GMT+5`-style names are refused: Foundation reads them as UTC+5 while the IANA name
    /// `Etc/GMT+5` means UTC−5, so either reading would surprise someone.
    static func zone(named name: String) throws -> TimeZone {
        if ["utc", "etc/utc", "z", "gmt", "etc/gmt"].contains(name.lowercased()) {
            return TimeZone(identifier: "UTC")!
        }
        let upper = name.uppercased()
        if upper.hasPrefix("GMT+") || upper.hasPrefix("GMT-") || upper.hasPrefix("UTC+") || upper.hasPrefix("UTC-") {
            throw InputError(
                "time zone \"\(name)\" is ambiguous about its sign; use a place's IANA name such as Asia/Karachi")
        }
        let canonical = TimeZone.knownTimeZoneIdentifiers.first { $0.lowercased() == name.lowercased() } ?? name
        guard let zone = TimeZone(identifier: canonical) else {
            throw InputError("unknown time zone \"\(name)\"; use an IANA name such as Europe/Paris")
        }
        return zone
    }
}
