// `ebbflow schedules list`: every schedule with its next and last run.
import ArgumentParser
import EbbflowOperations
import EbbflowQueue
import Foundation

struct SchedulesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List schedules.")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let operations = ScheduleOperations(schema: try connection.schemaName)
        let shown = try await operations.list(on: try await connection.connect())
        print(
            try Output.list(shown, json: json, ["NAME", "CRON", "TZ", "KIND", "ENABLED", "NEXT RUN", "LAST RUN"]) {
                [
                    $0.name, $0.cron, $0.timeZone, $0.kind, $0.enabled ? "yes" : "no", Output.time($0.nextRunAt),
                    Output.time($0.lastRunAt),
                ]
            })
    }
}
