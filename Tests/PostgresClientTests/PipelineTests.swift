import EbbflowTestSupport
// withTransaction's round-trip savings: BEGIN rides with the first statement, executeAtCommit with COMMIT.
import Foundation
import PostgresClient
import Testing

@Suite struct PipelineTests {
    /// The isolation level proves BEGIN reached the server before the first statement ran,
    /// though both went in one round trip.
    @Test func beginTravelsWithTheFirstStatement() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let level = try await connection.withTransaction(PGTransactionOptions(isolation: .serializable)) {
                connection in
                try connection.query("SHOW transaction_isolation").first!.decode(
                    "transaction_isolation", as: String.self)
            }
            #expect(level == "serializable")
            #expect(await connection.transactionStatus == .idle)
        }
    }

    @Test func statementsAtCommitCommitWithTheBody() async throws {
        for prepared in [true, false] {
            try await TestDatabase.withSchema(preparedStatements: prepared) { connection, _ in
                try await connection.simpleQuery("CREATE TABLE items (id int)")
                try await connection.withTransaction { connection in
                    try connection.execute("INSERT INTO items VALUES ($1)", [1])
                    connection.executeAtCommit("INSERT INTO items VALUES ($1)", [2])
                    connection.executeAtCommit("INSERT INTO items VALUES ($1)", [3])
                }
                let ids: [Int] = try await connection.query("SELECT id FROM items ORDER BY id").rows.map {
                    try $0.decode("id")
                }
                #expect(ids == [1, 2, 3], "prepared statements: \(prepared)")
            }
        }
    }

    /// A statement at commit that fails rolls back the body's work, and its error keeps the SQLSTATE.
    @Test func failureAtCommitRollsBackEverything() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.simpleQuery("CREATE TABLE items (id int)")
            await #expect {
                try await connection.withTransaction { connection in
                    try connection.execute("INSERT INTO items VALUES (1)")
                    connection.executeAtCommit("SELECT 1 / $1::int", [0])
                    connection.executeAtCommit("INSERT INTO items VALUES (2)")
                }
            } throws: { ($0 as? PGError)?.sqlState == "22012" }
            #expect(await connection.transactionStatus == .idle)
            #expect(try await connection.query("SELECT count(*) AS n FROM items").first!.decode("n", as: Int.self) == 0)
            try await connection.withTransaction { try $0.execute("INSERT INTO items VALUES (3)") }
            #expect(try await connection.query("SELECT count(*) AS n FROM items").first!.decode("n", as: Int.self) == 1)
        }
    }

    /// The first statement fails in the round trip that also carried BEGIN: the error is the
    /// statement's, and the connection is clean and usable afterwards.
    @Test func failingFirstStatementLeavesAUsableConnection() async throws {
        try await TestDatabase.withSchema { connection, _ in
            await #expect {
                try await connection.withTransaction { try $0.execute("INSERT INTO no_such_table VALUES ($1)", [1]) }
            } throws: { ($0 as? PGError)?.sqlState == "42P01" }
            #expect(await connection.transactionStatus == .idle)
            let seven: Int = try await connection.query("SELECT 7 AS n").first!.decode("n")
            #expect(seven == 7)
        }
    }

    /// A transaction whose body runs no statement costs nothing and leaves nothing open.
    @Test func emptyTransactionSendsNothing() async throws {
        try await TestDatabase.withSchema { connection, _ in
            let value = try await connection.withTransaction { _ in 5 }
            #expect(value == 5)
            #expect(await connection.transactionStatus == .idle)
            let seven: Int = try await connection.query("SELECT 7 AS n").first!.decode("n")
            #expect(seven == 7)
        }
    }
}
