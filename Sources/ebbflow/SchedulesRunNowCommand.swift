// `ebbflow schedules run-now NAME`: Make a schedule due now; the next scheduler pass enqueues it.
import ArgumentParser
import EbbflowQueue

struct SchedulesRunNowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run-now", abstract: "Make a schedule due now; the next scheduler pass enqueues it.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Schedule name.") var name: String

    func run() async throws {
        let name = self.name
        try await connection.actOnSchedule(name, done: "due now") { schedules, connection in try schedules.runNow(name, on: connection) }
    }
}
