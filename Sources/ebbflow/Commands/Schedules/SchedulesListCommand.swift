// `ebbflow schedules list`: every schedule with its next and last run.
import ArgumentParser
import EbbflowQueue
import Foundation

struct SchedulesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List schedules.")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let schedules = ScheduleStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let rows = try await database.run { try schedules.list(on: $0) }
        if json {
            print(
                try Output.json(
                    rows.map {
                        [
                            "name": $0.name, "cron": $0.cron, "tz": $0.timeZone, "kind": $0.kind, "queue": $0.queue,
                            "enabled": $0.enabled,
                            "args":
                                (try? JSONSerialization.jsonObject(with: $0.args.bytes, options: [.fragmentsAllowed]))
                                ?? NSNull(),
                            "priority": $0.priority, "max_attempts": $0.maxAttempts,
                            "next_run_at": Output.time($0.nextRunAt),
                            "last_run_at": $0.lastRunAt.map { Output.time($0) } ?? NSNull(),
                        ] as [String: Any]
                    }))
            return
        }
        print(
            Output.table(
                ["NAME", "CRON", "TZ", "KIND", "ENABLED", "NEXT RUN", "LAST RUN"],
                rows.map {
                    [
                        $0.name, $0.cron, $0.timeZone, $0.kind, $0.enabled ? "yes" : "no", Output.time($0.nextRunAt),
                        Output.time($0.lastRunAt),
                    ]
                }))
    }
}
