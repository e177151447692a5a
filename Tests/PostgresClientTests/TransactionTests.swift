import EbbflowTestSupport
// withTransaction commits on return, rolls back on throw, and retries serialization failures on request.
import Foundation
import PostgresClient
import Testing

@Suite struct TransactionTests {
    struct Boom: Error {}

    @Test func thrownErrorLeavesNoRow() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.simpleQuery("CREATE TABLE items (id int)")
            await #expect(throws: Boom.self) {
                try await connection.withTransaction { connection in
                    try connection.execute("INSERT INTO items VALUES (1)")
                    throw Boom()
                }
            }
            let count = try await connection.query("SELECT count(*) AS n FROM items").first!.decode("n", as: Int.self)
            #expect(count == 0)
            #expect(await connection.transactionStatus == .idle)
            try await connection.withTransaction { try $0.execute("INSERT INTO items VALUES (2)") }
            #expect(try await connection.query("SELECT count(*) AS n FROM items").first!.decode("n", as: Int.self) == 1)
        }
    }

    /// The first attempt fails with SQLSTATE 40001, as a real serialization failure would.
    @Test func serializationFailureIsRetriedWhenAsked() async throws {
        try await TestDatabase.withSchema { connection, _ in
            try await connection.simpleQuery("CREATE TABLE items (id int)")
            let attempts = Counter()
            try await connection.withTransaction(.retrying(3, isolation: .serializable)) { connection in
                try connection.execute("INSERT INTO items VALUES (1)")
                if attempts.increment() == 1 {
                    try connection.simpleQuery("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$")
                }
            }
            #expect(attempts.value == 2)
            #expect(try await connection.query("SELECT count(*) AS n FROM items").first!.decode("n", as: Int.self) == 1)
        }
    }

    @Test func serializationFailureIsNotRetriedByDefault() async throws {
        let connection = try await TestDatabase.connect()
        let attempts = Counter()
        await #expect {
            try await connection.withTransaction { connection in
                _ = attempts.increment()
                try connection.simpleQuery("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$")
            }
        } throws: { ($0 as? PGError)?.isSerializationFailure == true }
        #expect(attempts.value == 1)
    }

    /// A real write-skew conflict between two serializable transactions is retried to success.
    @Test func realSerializationConflictResolvesWithRetry() async throws {
        try await TestDatabase.withSchema { setup, schema in
            try await setup.simpleQuery(
                "CREATE TABLE doctors (name text, on_call bool); INSERT INTO doctors VALUES ('a', true), ('b', true)")
            let first = try await TestDatabase.connect(), second = try await TestDatabase.connect()
            for connection in [first, second] { try await connection.simpleQuery("SET search_path TO \(schema)") }
            let gate = Gate()
            async let a: Void = first.withTransaction(.retrying(5, isolation: .serializable)) { connection in
                let n = try connection.query("SELECT count(*) AS n FROM doctors WHERE on_call").first!.decode(
                    "n", as: Int.self)
                await gate.arrive()
                if n > 1 { try connection.execute("UPDATE doctors SET on_call = false WHERE name = 'a'") }
            }
            async let b: Void = second.withTransaction(.retrying(5, isolation: .serializable)) { connection in
                let n = try connection.query("SELECT count(*) AS n FROM doctors WHERE on_call").first!.decode(
                    "n", as: Int.self)
                await gate.arrive()
                if n > 1 { try connection.execute("UPDATE doctors SET on_call = false WHERE name = 'b'") }
            }
            _ = try await (a, b)
            let onCall = try await setup.query("SELECT count(*) AS n FROM doctors WHERE on_call").first!.decode(
                "n", as: Int.self)
            #expect(onCall == 1)
        }
    }
}

/// A thread-safe counter for closures that may run more than once.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() -> Int {
        lock.withLock {
            count += 1; return count
        }
    }
    var value: Int { lock.withLock { count } }
}

/// Lets the first two arrivals wait for each other once (later arrivals pass straight through).
actor Gate {
    private var waiting: CheckedContinuation<Void, Never>?
    private var opened = false
    func arrive() async {
        if opened { return }
        if let waiting {
            opened = true
            waiting.resume()
            self.waiting = nil
        } else {
            await withCheckedContinuation { waiting = $0 }
        }
    }
}
