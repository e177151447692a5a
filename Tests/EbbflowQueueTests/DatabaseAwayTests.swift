// Which errors mean the database went away, and the bounded retry through them (scripts/failover-test runs the real thing).
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

@Suite struct DatabaseAwayTests {
    /// A crash or a failover shows as a lost or refused connection, the server's goodbye, or a
    /// standby that refuses writes; a statement's own failure is not one of them.
    @Test func aLostDatabaseIsToldFromAFailedStatement() {
        let away: [PGError] = [
            PGError(.connectionLost, "connection lost"),
            PGError(.connectionFailed, "could not connect"),
            PGError(.server, "terminating connection due to immediate shutdown command", sqlState: "57P01"),
            PGError(.server, "the database system is in recovery mode", sqlState: "57P03"),
            PGError(.server, "connection failure", sqlState: "08006"),
            PGError(.server, "cannot execute INSERT in a read-only transaction", sqlState: "25006"),
        ]
        for error in away { #expect(DatabaseAway.explains(error), "\(error)") }
        let notAway: [any Error] = [
            PGError(.server, "duplicate key", sqlState: "23505"),
            PGError(.server, "lease lost", sqlState: JobStore.leaseLostSQLState),
            PGError(.server, "canceling statement due to user request", sqlState: "57014"),
            PGError(.encoding, "a NUL byte"),
            PGError(.poolTimeout, "no connection became free"),
            CancellationError(),
        ]
        for error in notAway { #expect(!DatabaseAway.explains(error), "\(error)") }
    }

    /// Retried while the database is away, until the write goes through.
    @Test func aWriteIsSentAgainUntilTheDatabaseAnswers() async throws {
        let calls = Calls()
        let value = try await DatabaseAway.retrying(until: .now + .seconds(3600)) {
            if calls.next() < 3 { throw PGError(.connectionLost, "connection lost") }
            return 42
        }
        #expect(value == 42)
        #expect(calls.count == 3)
    }

    /// Any other failure is the write's own: thrown at once, not retried.
    @Test func anotherFailureIsThrownAtOnce() async {
        let calls = Calls()
        await #expect(throws: PGError.self) {
            try await DatabaseAway.retrying(until: .now + .seconds(3600)) {
                _ = calls.next()
                throw PGError(.server, "duplicate key", sqlState: "23505")
            }
        }
        #expect(calls.count == 1)
    }

    /// Past the deadline (a lease) the last error is thrown: the job is then left to its lease.
    @Test func theRetryEndsAtItsDeadline() async {
        let calls = Calls()
        await #expect(throws: PGError.self) {
            try await DatabaseAway.retrying(until: .now) {
                _ = calls.next()
                throw PGError(.connectionLost, "connection lost")
            }
        }
        #expect(calls.count == 1)
    }
}

/// Counts the attempts a retry made.
private final class Calls: @unchecked Sendable {
    private let lock = NSLock()
    private var made = 0
    var count: Int { lock.withLock { made } }
    /// Counts one more call; returns how many were made, this one included.
    func next() -> Int {
        lock.withLock {
            made += 1
            return made
        }
    }
}
