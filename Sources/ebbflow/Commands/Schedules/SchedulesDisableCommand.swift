// `ebbflow schedules disable NAME`: Disable a schedule (it keeps its definition).
import ArgumentParser
import EbbflowOperations

struct SchedulesDisableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Disable a schedule (it keeps its definition).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Schedule name.") var name: String

    func run() async throws {
        let operations = ScheduleOperations(schema: try connection.schemaName)
        print(try await operations.setEnabled(name: name, false, on: try await connection.connect()).message)
    }
}
