// `ebbflow schedules enable NAME`: Enable a schedule.
import ArgumentParser
import EbbflowQueue

struct SchedulesEnableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a schedule.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Schedule name.") var name: String

    func run() async throws {
        let name = self.name
        try await connection.actOnSchedule(name, done: "enabled") { schedules, connection in
            try schedules.setEnabled(name, true, on: connection)
        }
    }
}
