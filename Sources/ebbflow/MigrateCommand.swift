// `ebbflow migrate [--status] [--simulation]`: bring the schema up to date, or list file states.
import ArgumentParser
import EbbflowCore
import Foundation

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending SQL migrations (each once, under an advisory lock).")

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "List applied and pending migration files instead of applying them.")
    var status = false

    @Flag(help: "Create a simulation database, whose clock can be moved. Only when first migrated.")
    var simulation = false

    func run() async throws {
        let schema = try connection.schemaName
        let migrator = try Migrator(schema: schema, logger: connection.logger("ebbflow.migrate"))
        let database = try await connection.connect()
        if status {
            let states = try await migrator.status(on: database)
            print("schema \(schema)")
            for state in states {
                let when = state.appliedAt.map { "  " + Output.time($0) } ?? ""
                print("\(state.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(state.fileName)\(when)")
            }
            let pending = states.filter { $0.state == .pending }.count
            print("\(states.count - pending) applied, \(pending) pending")
            if states.contains(where: { $0.state == .changed || $0.state == .unknown }) { throw ExitCode.failure }
            return
        }
        let report = try await migrator.migrate(on: database, simulation: simulation)
        let mode = report.simulation ? " (simulation database)" : ""
        if report.applied.isEmpty {
            print("schema \(schema) is up to date\(mode)")
        } else {
            print("applied \(report.applied.count) migration(s) to schema \(schema)\(mode): \(report.applied.joined(separator: ", "))")
        }
    }
}
