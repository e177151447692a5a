// `ebbflow clock show`: the time ebbflow's SQL sees, and whether it is overridden.
import ArgumentParser
import EbbflowCore
import Foundation

struct ClockShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the database clock.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let clock = DatabaseClock(schema: try connection.schemaName)
        let database = try await connection.connect()
        let status = try await database.run { try clock.status(on: $0) }
        let mode = status.simulation ? "simulation" : "production"
        let source = status.frozenAt == nil ? "real time" : "frozen (real time \(Output.time(status.realNow)))"
        print("\(Output.time(status.now))  \(source), \(mode) database")
    }
}
