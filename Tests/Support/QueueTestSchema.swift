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
    public static func count(_ connection: PGConnection, _ sql: String, _ bindings: PGBindings = []) async throws -> Int {
        try await connection.query("SELECT count(*) AS n FROM (\(sql)) AS q", bindings).first!.decode("n")
    }
}

/// Restarts the test cluster (`scripts/dev-db restart`), when scripts/test said which it is.
public enum TestCluster {
    public static var directory: String? { ProcessInfo.processInfo.environment["EBBFLOW_TEST_PG_DIR"] }

    public static func restart() throws {
        guard let directory else { throw PGError(.invalidConfiguration, "EBBFLOW_TEST_PG_DIR is not set; run through scripts/test") }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let status = try CleanSpawn.run(root.appendingPathComponent("scripts/dev-db").path, ["restart"],
            environment: ProcessInfo.processInfo.environment.merging(["EBBFLOW_PG_DIR": directory]) { $1 })
        guard status == 0 else { throw PGError(.unexpected, "scripts/dev-db restart exited \(status)") }
    }
}
