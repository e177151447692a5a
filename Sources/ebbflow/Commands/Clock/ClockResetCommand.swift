// `ebbflow clock reset`: back to the database's real time.
import ArgumentParser
import EbbflowCore
import EbbflowQueue

struct ClockResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reset", abstract: "Return to the real time.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let schema = try connection.schemaName
        let clock = DatabaseClock(schema: schema)
        let database = try await connection.connect()
        let now = try await database.withTransaction { connection in
            // Back from a clock that ran ahead: ticks it advanced into the future come back.
            try ClockControl(schema: schema).move(.reset, on: connection)
            return try clock.now(on: connection)
        }
        print("clock reset to real time \(Output.time(now))")
    }
}
