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

    @Option(
        name: .long,
        help: ArgumentHelp(
            "A file holding only the database password (a Docker/Kubernetes secret), for a connection string without one. "
                + "Default: $EBBFLOW_DATABASE_PASSWORD_FILE.",
            valueName: "path"))
    var databasePasswordFile: String?

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

    /// The password file's path: the flag, else `EBBFLOW_DATABASE_PASSWORD_FILE` (empty is unset).
    var passwordFilePath: String? {
        if let databasePasswordFile { return databasePasswordFile }
        let environment = ProcessInfo.processInfo.environment["EBBFLOW_DATABASE_PASSWORD_FILE"]
        return environment?.isEmpty == false ? environment : nil
    }

    /// Where to connect; reads the password file (if any) each time, so a rotated secret is
    /// picked up by the next process without a restart of anything else.
    var postgres: PGConfiguration {
        get throws {
            var configuration = PGConfiguration.resolve(explicit: databaseURL)
            if let path = passwordFilePath { configuration.password = try PGPasswordFile.read(path) }
            try configuration.validate()
            let environmentSays = ProcessInfo.processInfo.environment["EBBFLOW_PREPARED_STATEMENTS"]
            configuration.preparedStatements =
                !(noPreparedStatements || environmentSays == "0" || environmentSays == "false")
            return configuration
        }
    }

    /// A logger to stderr, passed down explicitly (no global bootstrap).
    func logger(_ label: String) -> Logger {
        var logger = Logger(label: label, factory: { label in StreamLogHandler.standardError(label: label) })
        logger.logLevel = logLevel
        return logger
    }

    func connect() async throws -> PGConnection {
        try await PGConnection.connect(try postgres, logger: logger("ebbflow.postgres"))
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
