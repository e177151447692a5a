// `ebbflow migrate [--status] [--simulation]`: bring the schema up to date, or list file states.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply pending SQL migrations (each once, under an advisory lock).")

    @OptionGroup var connection: ConnectionOptions

    @Flag(help: "List applied and pending migration files (line/NNNN_name.sql) instead of applying them.")
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
                print("\(state.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(state.path)\(when)")
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
            print(
                "applied \(report.applied.count) migration(s) to schema \(schema)\(mode): \(report.applied.joined(separator: ", "))"
            )
        }
        if !report.grantedRoles.isEmpty {
            print(
                "granted the grant list's rights on schema \(schema) to \(report.grantedRoles.joined(separator: ", "))")
        }
        try await warnAboutStoredDocuments(schema: schema, database: database)
    }

    /// One warning line on stderr for a stored policy or stream the current rules refuse,
    /// naming what to fix. Why warnings and exit 0: the schema is migrated either way, and an
    /// upgrade script must not stop half-way; but the operator must hear before the workers
    /// do (the engine refuses such a policy and does not run such a stream).
    private func warnAboutStoredDocuments(schema: SchemaName, database: PGConnection) async throws {
        let (policy, broken) = try await database.run { connection in
            (
                try PolicyStore(schema: schema).stored(on: connection)?.problem,
                try StreamStore(schema: schema).listChecked(on: connection).broken
            )
        }
        var lines: [String] = []
        if let policy { lines.append("warning: the stored policy: \(policy) (ebbflow policy show prints it)") }
        for stream in broken {
            lines.append("warning: stream \(stream.name) version \(stream.version): \(stream.problem)")
        }
        for line in lines { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }
}
