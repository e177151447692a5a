// `ebbflow schedules remove NAME`: Delete a schedule.
import ArgumentParser
import EbbflowQueue

struct SchedulesRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Delete a schedule.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Schedule name.") var name: String

    func run() async throws {
        let name = self.name
        try await connection.actOnSchedule(name, done: "removed") { schedules, connection in
            try schedules.remove(name, on: connection)
        }
    }
}
