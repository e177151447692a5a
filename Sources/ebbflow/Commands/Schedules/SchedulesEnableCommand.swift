// `ebbflow schedules enable NAME`: Enable a schedule.
import ArgumentParser
import EbbflowOperations

struct SchedulesEnableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a schedule.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Schedule name.") var name: String

    func run() async throws {
        let operations = ScheduleOperations(schema: try connection.schemaName)
        print(try await operations.setEnabled(name: name, true, on: try await connection.connect()).message)
    }
}
