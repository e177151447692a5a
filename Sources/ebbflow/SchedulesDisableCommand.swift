// `ebbflow schedules disable NAME`: Disable a schedule (it keeps its definition).
import ArgumentParser
import EbbflowQueue

struct SchedulesDisableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disable", abstract: "Disable a schedule (it keeps its definition).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Schedule name.") var name: String

    func run() async throws {
        let schedules = ScheduleStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let name = self.name
        guard try await database.run({ try schedules.setEnabled(name, false, on: $0) }) else {
            throw QueueError.invalid("no schedule named \"\(name)\"")
        }
        print("schedule \(name) disabled")
    }
}
