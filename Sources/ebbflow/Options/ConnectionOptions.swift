// Options every database command shares: where the database is, which schema, how to log.
import ArgumentParser
import EbbflowCore
import Foundation
import Logging
import PostgresClient

/// Shared by every command that talks to the database (`@OptionGroup`).
struct ConnectionOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "PostgreSQL URL or key=value conninfo. Default: $DATABASE_URL, else libpq's PG* variables.",
            valueName: "url"))
    var databaseURL: String?

    @Option(name: .long, help: "Schema holding ebbflow's tables. Default: $EBBFLOW_SCHEMA or ebbflow.")
    var schema: String?

    @Flag(name: .long, help: "Use unnamed statements (for pgbouncer in transaction pooling mode).")
    var noPreparedStatements = false

    @Option(name: .long, help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        if let schema { _ = try SchemaName(schema) }
    }

    var schemaName: SchemaName {
        get throws {
            try SchemaName(schema ?? ProcessInfo.processInfo.environment["EBBFLOW_SCHEMA"] ?? "ebbflow")
        }
    }

    var postgres: PGConfiguration {
        var configuration = PGConfiguration.resolve(explicit: databaseURL)
        let environmentSays = ProcessInfo.processInfo.environment["EBBFLOW_PREPARED_STATEMENTS"]
        configuration.preparedStatements =
            !(noPreparedStatements || environmentSays == "0" || environmentSays == "false")
        return configuration
    }

    /// A logger to stderr, passed down explicitly (no global bootstrap).
    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label, factory: { label in StreamLogHandler.standardError(label: label) })
        logger.logLevel = logLevel
        return logger
    }

    func connect() async throws -> PGConnection {
        try await PGConnection.connect(postgres, logger: logger("ebbflow.postgres"))
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
