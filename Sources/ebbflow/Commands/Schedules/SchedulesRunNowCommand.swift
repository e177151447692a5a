// `ebbflow schedules run-now NAME`: Make a schedule due now; the next scheduler pass enqueues it.
import ArgumentParser
import EbbflowOperations

struct SchedulesRunNowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-now", abstract: "Make a schedule due now; the next scheduler pass enqueues it.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Schedule name.") var name: String

    func run() async throws {
        let operations = ScheduleOperations(schema: try connection.schemaName)
        print(try await operations.runNow(name: name, on: try await connection.connect()).message)
    }
}
