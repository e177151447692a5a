// `ebbflow clock set TIME`: freeze a simulation database's clock at an ISO 8601 time.
import ArgumentParser
import EbbflowCore
import EbbflowQueue
import Foundation

struct ClockSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Freeze the clock at TIME (simulation only).")

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "An ISO 8601 time with offset, e.g. 2026-01-01T09:00:00Z.")
    var time: String

    func validate() throws {
        guard ISO8601Text.parse(time) != nil else {
            throw InputError("\"\(time)\" is not an ISO 8601 time such as 2026-01-01T09:00:00Z")
        }
    }

    func run() async throws {
        let schema = try connection.schemaName
        let clock = DatabaseClock(schema: schema)
        let target = ISO8601Text.parse(time)!
        let database = try await connection.connect()
        let now = try await database.withTransaction { connection in
            // A clock set back leaves schedule ticks in its future: the move brings them back.
            try ClockControl(schema: schema).move(.set(target), on: connection)
            return try clock.now(on: connection)
        }
        print("clock set to \(Output.time(now))")
    }
}
