// `ebbflow schedules restore [NAME]`: put back a built-in schedule (or all of them) as ebbflow installs it.
import ArgumentParser
import EbbflowQueue

struct SchedulesRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a built-in schedule as shipped, enabled; without NAME, re-insert only the missing built-ins."
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(
        help:
            "A built-in schedule's name, e.g. inactivity_sweep. Default: every missing built-in (present ones are left as they are)."
    ) var name: String?

    func run() async throws {
        let schedules = ScheduleStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let name = self.name
        let restored = try await database.run { try schedules.restoreBuiltins(name, on: $0) }
        if restored.isEmpty {
            print("nothing restored: every built-in schedule is present (name one to restore its definition)")
        } else {
            print("restored \(restored.count == 1 ? "schedule" : "schedules") \(restored.joined(separator: ", "))")
        }
    }
}
