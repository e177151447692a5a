// `ebbflow schedules run-now NAME`: Make a schedule due now; the next scheduler pass enqueues it.
import ArgumentParser
import EbbflowQueue

struct SchedulesRunNowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run-now", abstract: "Make a schedule due now; the next scheduler pass enqueues it.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Schedule name.") var name: String

    func run() async throws {
        let schedules = ScheduleStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let name = self.name
        let enabled = try await database.run { try schedules.runNow(name, on: $0) }
        guard let enabled else { throw QueueError.invalid("no schedule named \"\(name)\"") }
        // A disabled schedule is never fired: say so rather than promise a run that will not come.
        print(enabled ? "schedule \(name) due now" : "schedule \(name) due now, but disabled: it fires once enabled")
    }
}
