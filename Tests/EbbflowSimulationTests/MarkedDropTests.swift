// simulate --schema drops only the schema it checked: a rename after the check drops nothing.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowSimulation

@Suite struct MarkedDropTests {
    /// The check that a schema carries the simulation mark and its drop were once two
    /// statements, the drop a plain `DROP SCHEMA … CASCADE` of whatever had the name by then.
    /// Here, after the check saw the marked schema, another connection renames it away and
    /// renames a user's schema into its name: the drop refuses, and the user's table stays.
    @Test func aSchemaRenamedIntoTheNameAfterTheCheckIsNotDropped() async throws {
        let name = TestDatabase.uniqueSchemaName("simrace")
        let (sql, mark) = (SimulationSQL(schema: try SchemaName(name)), SimulationSQL.mark)
        let connection = try await TestDatabase.connect(), other = try await TestDatabase.connect()
        for statement in sql.createMarked { _ = try await connection.execute(statement) }
        try await other.simpleQuery(
            "CREATE SCHEMA \(name)_user; CREATE TABLE \(name)_user.customers (id int); INSERT INTO \(name)_user.customers VALUES (1)"
        )
        try await connection.simpleQuery("BEGIN")
        let checked = try await connection.query(sql.schemaState, [name, mark]).first!
        #expect(try checked.decode("marked", as: Bool.self))
        try await other.simpleQuery(
            "ALTER SCHEMA \(name) RENAME TO \(name)_old; ALTER SCHEMA \(name)_user RENAME TO \(name)")
        _ = try await connection.query(sql.dropTarget, [name, mark])
        await #expect(throws: PGError.self) { _ = try await connection.execute(sql.dropMarked) }
        try await connection.simpleQuery("COMMIT") // as claimSchema's transaction would (a failed one rolls back)
        #expect(
            try await MigratedSchema.count(other, "SELECT 1 FROM \(name).customers") == 1,
            "the user's schema was dropped")
        // The marked schema, under its own name again, is still dropped by the same statement.
        try await other.simpleQuery(
            "ALTER SCHEMA \(name) RENAME TO \(name)_user; ALTER SCHEMA \(name)_old RENAME TO \(name)")
        try await connection.simpleQuery("BEGIN")
        _ = try await connection.query(sql.dropTarget, [name, mark])
        _ = try await connection.execute(sql.dropMarked)
        try await connection.simpleQuery("COMMIT")
        #expect(try await MigratedSchema.count(other, "SELECT 1 FROM pg_namespace WHERE nspname = $1", [name]) == 0)
        try await other.simpleQuery("DROP SCHEMA \(name)_user CASCADE")
    }
}
