import EbbflowTestSupport
// Server errors arrive typed, with SQLSTATE, constraint and position.
import Foundation
import PostgresClient
import Testing

@Suite struct ServerErrorTests {
    @Test func uniqueViolationCarriesConstraint() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.simpleQuery("CREATE TABLE people (email text CONSTRAINT people_email_key UNIQUE)")
            try await connection.execute("INSERT INTO people VALUES ($1)", ["a@example.com"])
            await #expect {
                try await connection.execute("INSERT INTO people VALUES ($1)", ["a@example.com"])
            } throws: { error in
                guard let error = error as? PGError else { return false }
                return error.isUniqueViolation && error.sqlState == "23505" && error.constraint == "people_email_key"
                    && error.kind == .server && error.table == "people"
            }
            // The connection is still usable afterwards.
            #expect(
                try await connection.query("SELECT count(*) AS n FROM people").first!.decode("n", as: Int.self) == 1)
        }
    }

    @Test func syntaxErrorCarriesPosition() async throws {
        let connection = try await TestDatabase.connect()
        await #expect {
            try await connection.query("SELECT 1 FROM WHERE")
        } throws: { error in
            guard let error = error as? PGError else { return false }
            return error.sqlState == "42601" && error.position == 15 && error.description.contains("42601")
        }
    }

    @Test(.timeLimit(.minutes(2))) func cancelStopsARunningStatement() async throws {
        let connection = try await TestDatabase.connect()
        // An hour's sleep: the call returning at all, with 57014, proves the cancel (no wall-clock bound).
        let probe = "SELECT pg_sleep(3600) AS \(TestDatabase.uniqueSchemaName("cancel_probe"))"
        let sleeping = Task { _ = try await connection.query(probe) }
        // Cancel once the server runs it: a cancel that arrives first is ignored (a fixed 300 ms
        // wait was not always enough on a loaded CI machine, and the sleep then ran its 30 s).
        let observer = try await TestDatabase.connect()
        while try await observer.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1 AND state = 'active'", [probe]
        )
        .first!.decode("n", as: Int.self) == 0 {
            try await Task.sleep(for: .milliseconds(20))
        }
        await observer.close()
        connection.cancelRunningStatement()
        await #expect { try await sleeping.value } throws: { ($0 as? PGError)?.sqlState == "57014" }
    }

    @Test func aRequestedCancelRefusesTheNextStatementOnce() async throws {
        let connection = try await TestDatabase.connect()
        connection.requestCancel()
        // Thirty seconds were the request lost: the call then succeeds and the expectation fails.
        await #expect { try await connection.query("SELECT pg_sleep(30)") } throws: {
            ($0 as? PGError)?.sqlState == "57014"
        }
        #expect(try await connection.query("SELECT 1 AS n").first!.decode("n", as: Int.self) == 1)
        connection.requestCancel()
        connection.withdrawCancel()
        #expect(try await connection.query("SELECT 2 AS n").first!.decode("n", as: Int.self) == 2)
    }
}
