// `ebbflow clock advance 30d`: move a simulation database's clock forward.
import ArgumentParser
import EbbflowCore

struct ClockAdvanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "advance", abstract: "Move the clock forward (simulation only).")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "A duration: 90s, 15m, 12h, 3d, 2w, or combined like 1d12h.")
    var duration: String

    func validate() throws {
        guard DurationText.seconds(duration) != nil else { throw InputError("\"\(duration)\" is not a duration such as 3d, 12h or 1d12h") }
    }

    func run() async throws {
        let clock = DatabaseClock(schema: try connection.schemaName)
        let seconds = DurationText.seconds(duration)!
        let database = try await connection.connect()
        let now = try await database.withTransaction { connection in
            try clock.advance(by: seconds, on: connection)
            return try clock.now(on: connection)
        }
        print("clock advanced by \(duration) to \(Output.time(now))")
    }
}
