// `ebbflow schedules run-now NAME`: Make a schedule due now; the next scheduler pass enqueues it.
import ArgumentParser
import EbbflowQueue

struct SchedulesRunNowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run-now", abstract: "Make a schedule due now; the next scheduler pass enqueues it.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Schedule name.") var name: String

    func run() async throws {
        let schedules = ScheduleStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let name = self.name
        guard try await database.run({ try schedules.runNow(name, on: $0) }) else {
            throw QueueError.invalid("no schedule named \"\(name)\"")
        }
        print("schedule \(name) due now")
    }
}
