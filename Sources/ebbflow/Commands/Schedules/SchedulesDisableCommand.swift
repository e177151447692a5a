// `ebbflow schedules disable NAME`: Disable a schedule (it keeps its definition).
import ArgumentParser
import EbbflowQueue

struct SchedulesDisableCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disable", abstract: "Disable a schedule (it keeps its definition).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Schedule name.") var name: String

    func run() async throws {
        let name = self.name
        try await connection.actOnSchedule(name, done: "disabled") { schedules, connection in
            try schedules.setEnabled(name, false, on: connection)
        }
    }
}
