// Test helpers: the database that scripts/test started, and a private schema per test.
import Foundation
import PostgresClient

/// The test database, from `DATABASE_URL` (set by `scripts/test`).
public enum TestDatabase {
    public static var url: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
                throw PGError(
                    .invalidConfiguration,
                    "DATABASE_URL is not set: run the tests through scripts/test, which starts a private PostgreSQL")
            }
            return url
        }
    }

    public static var configuration: PGConfiguration {
        get throws { PGConfiguration(conninfo: try url, applicationName: "ebbflow-tests") }
    }

    public static func connect(preparedStatements: Bool = true) async throws -> PGConnection {
        var configuration = try configuration
        configuration.preparedStatements = preparedStatements
        return try await PGConnection.connect(configuration)
    }

    /// A connection to another database than `DATABASE_URL` (the restart cluster's, say);
    /// nil is `DATABASE_URL`'s.
    public static func connect(url: String?) async throws -> PGConnection {
        guard let url else { return try await connect() }
        return try await PGConnection.connect(PGConfiguration(conninfo: url, applicationName: "ebbflow-tests"))
    }

    /// A fresh schema name, unique per call, so tests run in parallel and leave nothing behind.
    public static func uniqueSchemaName(_ prefix: String = "t") -> String {
        "\(prefix)_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
    }

    /// Runs `body` with a new schema (already on the connection's `search_path`) and drops it after.
    public static func withSchema<T: Sendable>(
        preparedStatements: Bool = true,
        _ body: (PGConnection, String) async throws -> T
    ) async throws -> T {
        let connection = try await connect(preparedStatements: preparedStatements)
        let schema = uniqueSchemaName()
        try await connection.simpleQuery("CREATE SCHEMA \(schema); SET search_path TO \(schema), public")
        return try await dropping(schema) { try await body(connection, schema) }
    }

    /// Runs `body`, then drops `schema` whether `body` threw or not.
    public static func dropping<T: Sendable>(_ schema: String, after body: () async throws -> T) async throws -> T {
        do {
            let value = try await body()
            try await dropSchema(schema)
            return value
        } catch {
            try? await dropSchema(schema)
            throw error
        }
    }

    /// Drops a schema on a fresh connection (the test's own may be broken on purpose), in
    /// `DATABASE_URL`'s database or `url`'s.
    public static func dropSchema(_ schema: String, url: String? = nil) async throws {
        let cleaner = try await connect(url: url)
        try await cleaner.simpleQuery("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        await cleaner.close()
    }
}
