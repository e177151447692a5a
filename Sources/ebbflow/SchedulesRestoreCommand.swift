// `ebbflow schedules restore [NAME]`: put back a built-in schedule (or all of them) as ebbflow installs it.
import ArgumentParser
import EbbflowQueue

struct SchedulesRestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a removed or replaced built-in schedule (all of them without NAME), enabled.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "A built-in schedule's name, e.g. inactivity_sweep. Default: every built-in.") var name: String?

    func run() async throws {
        let schedules = ScheduleStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let name = self.name
        let restored = try await database.run { try schedules.restoreBuiltins(name, on: $0) }
        print("restored \(restored.count == 1 ? "schedule" : "schedules") \(restored.joined(separator: ", "))")
    }
}
