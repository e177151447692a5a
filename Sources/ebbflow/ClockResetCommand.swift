// `ebbflow clock reset`: back to the database's real time.
import ArgumentParser
import EbbflowCore

struct ClockResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reset", abstract: "Return to the real time.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let clock = DatabaseClock(schema: try connection.schemaName)
        let database = try await connection.connect()
        let now = try await database.withTransaction { connection in
            try clock.reset(on: connection)
            return try clock.now(on: connection)
        }
        print("clock reset to real time \(now.formatted(.iso8601))")
    }
}
