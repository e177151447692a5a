// `ebbflow clock advance 30d`: move a simulation database's clock forward.
import ArgumentParser
import EbbflowCore

struct ClockAdvanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advance", abstract: "Move the clock forward (simulation only).")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "A duration: 90s, 15m, 12h, 3d, 2w, or combined like 1d12h.")
    var duration: String

    func validate() throws {
        _ = try InputBounds.duration(duration, field: "clock advance", minimum: 0)
    }

    func run() async throws {
        let clock = DatabaseClock(schema: try connection.schemaName)
        let seconds = try InputBounds.duration(duration, field: "clock advance", minimum: 0)
        let database = try await connection.connect()
        let now = try await database.withTransaction { connection in
            try clock.advance(by: seconds, on: connection)
            return try clock.now(on: connection)
        }
        print("clock advanced by \(duration) to \(Output.time(now))")
    }
}
