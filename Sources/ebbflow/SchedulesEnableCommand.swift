// `ebbflow schedules enable NAME`: Enable a schedule.
import ArgumentParser
import EbbflowQueue

struct SchedulesEnableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a schedule.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Schedule name.") var name: String

    func run() async throws {
        let schedules = ScheduleStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let name = self.name
        guard try await database.run({ try schedules.setEnabled(name, true, on: $0) }) else {
            throw QueueError.invalid("no schedule named \"\(name)\"")
        }
        print("schedule \(name) enabled")
    }
}
