// `ebbflow schedules remove NAME`: Delete a schedule.
import ArgumentParser
import EbbflowQueue

struct SchedulesRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Delete a schedule.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Schedule name.") var name: String

    func run() async throws {
        let schedules = ScheduleStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let name = self.name
        guard try await database.run({ try schedules.remove(name, on: $0) }) else {
            throw QueueError.invalid("no schedule named \"\(name)\"")
        }
        print("schedule \(name) removed")
    }
}
