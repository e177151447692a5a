import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

// A job's task cancelled while its connection has no statement running: the cancel is not lost.
@testable import EbbflowQueue

/// Each statement sleeps 30 s: were the cancel lost, the call would succeed and the expectation
/// fail (no hang, and no wall-clock bound: refused statements return at once).
@Suite struct JobCancellationTests {
    static let sleep = "SELECT pg_sleep(30)"

    @Test func aCancelBeforeTheFirstStatementRefusesIt() async throws {
        let connection = try await TestDatabase.connect()
        let result = await Task {
            withUnsafeCurrentTask { $0!.cancel() }
            return try await withCancellation(of: connection) { try await connection.execute(Self.sleep) }
        }.result
        #expect(throws: PGError.self) { try result.get() }
        #expect((result.failureError as? PGError)?.sqlState == "57014")
        #expect(try await connection.query("SELECT 1 AS n").first!.decode("n", as: Int.self) == 1)
    }

    @Test func aCancelBetweenStatementsRefusesTheNextInsideATransaction() async throws {
        let connection = try await TestDatabase.connect()
        let result = await Task {
            try await withCancellation(of: connection) {
                try await connection.withTransaction { connection in
                    try connection.execute("SELECT 1")
                    withUnsafeCurrentTask { $0!.cancel() }
                    try connection.execute(Self.sleep)
                }
            }
        }.result
        #expect((result.failureError as? PGError)?.sqlState == "57014")
        // Rolled back, and the connection serves its next user.
        #expect(await connection.transactionStatus == .idle)
        #expect(try await connection.query("SELECT 1 AS n").first!.decode("n", as: Int.self) == 1)
    }

    @Test func aCancelAfterTheLastStatementIsWithdrawnForTheNextUser() async throws {
        let connection = try await TestDatabase.connect()
        await Task {
            _ = try? await withCancellation(of: connection) {
                try await connection.execute("SELECT 1")
                withUnsafeCurrentTask { $0!.cancel() }
            }
        }.value
        #expect(try await connection.query("SELECT 1 AS n").first!.decode("n", as: Int.self) == 1)
    }
}

extension Result {
    var failureError: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
