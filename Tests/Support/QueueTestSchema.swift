// A migrated schema per test (optionally a simulation one), dropped afterwards.
import EbbflowCore
import Foundation
import PostgresClient

public enum MigratedSchema {
    /// Runs `body` with a freshly migrated schema of its own and a connection; drops it after.
    public static func with<T: Sendable>(
        simulation: Bool = false, _ body: (PGConnection, SchemaName) async throws -> T
    ) async throws -> T {
        let schema = try SchemaName(TestDatabase.uniqueSchemaName("q"))
        let connection = try await TestDatabase.connect()
        return try await TestDatabase.dropping(schema.name) {
            _ = try await Migrator(schema: schema).migrate(on: connection, simulation: simulation)
            return try await body(connection, schema)
        }
    }

    /// `SELECT count(*)` of a query's rows, for assertions.
    public static func count(_ connection: PGConnection, _ sql: String, _ bindings: PGBindings = []) async throws -> Int
    {
        try await connection.query("SELECT count(*) AS n FROM (\(sql)) AS q", bindings).first!.decode("n")
    }
}

/// The cluster a test may restart: a private one of its own that `scripts/test` starts beside
/// the shared test cluster, so a restart breaks no other test's connections (a CI run lost a
/// group-commit test's connection when the restart hit the shared cluster mid-suite).
public enum TestCluster {
    static var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The restart cluster's data directory (`EBBFLOW_RESTART_PG_DIR`), nil when not run
    /// through scripts/test.
    public static var directory: String? { environment["EBBFLOW_RESTART_PG_DIR"].flatMap { $0.isEmpty ? nil : $0 } }

    /// The restart cluster's URL (`EBBFLOW_RESTART_DATABASE_URL`).
    public static var url: String {
        get throws {
            guard directory != nil, let url = environment["EBBFLOW_RESTART_DATABASE_URL"], !url.isEmpty else {
                throw PGError(
                    .invalidConfiguration,
                    "EBBFLOW_RESTART_PG_DIR and EBBFLOW_RESTART_DATABASE_URL are not set; run the tests through scripts/test"
                )
            }
            return url
        }
    }

    /// Restarts the restart cluster (`scripts/dev-db restart`, `pg_ctl stop -m fast` then start).
    public static func restart() throws { try devDB("restart") }

    /// Stops the restart cluster (`pg_ctl stop -m fast`): its clients see the database go away.
    public static func stop() throws { try devDB("stop") }

    /// Starts the restart cluster again.
    public static func start() throws { try devDB("start") }

    private static func devDB(_ command: String) throws {
        guard let directory else {
            throw PGError(.invalidConfiguration, "EBBFLOW_RESTART_PG_DIR is not set; run through scripts/test")
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let status = try CleanSpawn.run(
            root.appendingPathComponent("scripts/dev-db").path, [command],
            environment: environment.merging(["EBBFLOW_PG_DIR": directory]) { $1 })
        guard status == 0 else { throw PGError(.unexpected, "scripts/dev-db \(command) exited \(status)") }
    }
}
