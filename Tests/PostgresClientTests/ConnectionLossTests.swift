import EbbflowTestSupport
// A killed backend: the call in flight gets a typed connection error, the next call a fresh connection.
import Foundation
import PostgresClient
import Testing

@Suite struct ConnectionLossTests {
    @Test func terminatedBackendReconnectsOnNextCall() async throws {
        let connection = try await TestDatabase.connect()
        let killer = try await TestDatabase.connect()
        let oldPID = try await connection.backendPID()
        _ = try await killer.query("SELECT pg_terminate_backend($1)", [oldPID])
        try await Task.sleep(for: .milliseconds(100))
        await #expect {
            try await connection.query("SELECT 1 AS one")
        } throws: { ($0 as? PGError)?.kind == .connectionLost }
        let one = try await connection.query("SELECT 1 AS one").first!.decode("one", as: Int.self)
        #expect(one == 1)
        #expect(try await connection.backendPID() != oldPID)
    }

    @Test func listenSurvivesReconnect() async throws {
        let listener = try await TestDatabase.connect()
        let other = try await TestDatabase.connect()
        try await listener.listen("after_reconnect")
        _ = try await other.query("SELECT pg_terminate_backend($1)", [try await listener.backendPID()])
        try await Task.sleep(for: .milliseconds(100))
        _ = try? await listener.query("SELECT 1")
        _ = try await listener.query("SELECT 1") // reconnected, LISTEN issued again
        try await other.notify("after_reconnect", payload: "still here")
        // a hang guard: it returns on arrival
        let notes = try await listener.waitForNotifications(timeout: .seconds(120))
        #expect(notes.map(\.payload) == ["still here"])
    }

    @Test func lossInsideTransactionDoesNotSilentlyContinue() async throws {
        let connection = try await TestDatabase.connect()
        let killer = try await TestDatabase.connect()
        let pid = try await connection.backendPID()
        await #expect {
            try await connection.withTransaction { connection in
                try connection.query("SELECT 1")
                _ = try await killer.query("SELECT pg_terminate_backend($1)", [pid])
                try await Task.sleep(for: .milliseconds(100))
                _ = try? connection.query("SELECT 2") // detects the loss
                try connection.query("SELECT 3") // must not reconnect into autocommit
            }
        } throws: { ($0 as? PGError)?.kind == .connectionLost }
        #expect(try await connection.query("SELECT 4 AS four").first!.decode("four", as: Int.self) == 4)
    }

    @Test func poolDiscardsBrokenConnection() async throws {
        let pool = PGPool(try TestDatabase.configuration, maxConnections: 1)
        let killer = try await TestDatabase.connect()
        let oldPID = try await pool.withConnection { try await $0.backendPID() }
        _ = try await killer.query("SELECT pg_terminate_backend($1)", [oldPID])
        try await Task.sleep(for: .milliseconds(100))
        await #expect {
            try await pool.query("SELECT 1")
        } throws: { ($0 as? PGError)?.isConnectionError == true }
        let newPID = try await pool.withConnection { try await $0.backendPID() }
        #expect(newPID != oldPID)
        await pool.close()
    }
}
