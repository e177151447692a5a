import EbbflowTestSupport
// The pool bounds connections, times out waiters, and never blocks the cooperative thread pool.
import Foundation
import Testing

@testable import PostgresClient

@Suite struct PoolTests {
    /// Four queries that would sleep an hour hold four pool connections, more than the
    /// cooperative pool's threads (2 here). If libpq blocked a cooperative thread, no other task
    /// could run until they ended: the proof is that one does (order and outcome, no timing),
    /// and the busy pool still serves 64 × 100 queries exactly. The time limit only stops a hang.
    @Test(.timeLimit(.minutes(5))) func queriesDoNotBlockCooperativePool() async throws {
        let pool = PGPool(try TestDatabase.configuration, maxConnections: 8, acquireTimeout: .seconds(300))
        let tag = "pool_block_\(UInt32.random(in: 0...UInt32.max))"
        let sleepers = (0..<4).map { _ in Task { try await pool.query("SELECT pg_sleep(3600) /* \(tag) */") } }
        let observer = try await TestDatabase.connect()
        while try await observer.query(
            """
            SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid() AND wait_event = 'PgSleep'
            """, [tag]
        ).first!.decode("n", as: Int.self) < 4 {
            await Task.yield()
        }
        // All four sleep now; a task on the cooperative pool still runs to its end.
        let ran = await Task.detached { (1...1_000).reduce(0, +) }.value
        #expect(ran == 500_500)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<64 {
                group.addTask {
                    var sum = 0
                    for index in 0..<100 {
                        sum += try await pool.query("SELECT $1::int AS v", [task * 1000 + index]).first!.decode(
                            "v", as: Int.self)
                    }
                    return sum
                }
            }
            var total = 0
            for try await sum in group { total += sum }
            let expected = (0..<64).reduce(0) { $0 + 100 * $1 * 1000 + (0..<100).reduce(0, +) }
            #expect(total == expected)
        }
        _ = try await observer.query(
            """
            SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()
            """, [tag])
        for sleeper in sleepers { _ = try? await sleeper.value }
        #expect(await pool.statistics.open <= 8)
        await pool.close()
    }

    @Test func acquireTimesOutWhenExhausted() async throws {
        let pool = PGPool(try TestDatabase.configuration, maxConnections: 1, acquireTimeout: .milliseconds(200))
        let held = try await pool.acquire()
        await #expect { try await pool.acquire() } throws: { ($0 as? PGError)?.kind == .poolTimeout }
        await pool.giveBack(held)
        // The slot is free again.
        #expect(try await pool.query("SELECT 1 AS one").first!.decode("one", as: Int.self) == 1)
        await pool.close()
    }

    @Test func openTransactionIsRolledBackOnReturn() async throws {
        let pool = PGPool(try TestDatabase.configuration, maxConnections: 1)
        try await pool.withConnection { connection in
            try await connection.simpleQuery("BEGIN")
            try await connection.simpleQuery("CREATE TEMP TABLE leftover (id int)")
        }
        let status = try await pool.withConnection { await $0.transactionStatus }
        #expect(status == .idle)
        let exists = try await pool.query("SELECT to_regclass('pg_temp.leftover') IS NOT NULL AS e").first!.decode(
            "e", as: Bool.self)
        #expect(exists == false)
        await pool.close()
    }

    /// The timeout is generous: in a full run every suite shares the test process's two
    /// cooperative threads, and this test's waiters timed out at 30 s while others held them.
    @Test func waitersAreServedInTurn() async throws {
        let pool = PGPool(try TestDatabase.configuration, maxConnections: 2, acquireTimeout: .seconds(150))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<20 {
                group.addTask { _ = try await pool.query("SELECT pg_sleep(0.01)") }
            }
            try await group.waitForAll()
        }
        #expect(await pool.statistics.open == 2)
        await pool.close()
    }
}

@Suite struct ThreadingTests {
    /// The direct proof that libpq work is off the cooperative pool: code isolated to a
    /// connection runs on that connection's own named thread.
    @Test func connectionWorkRunsOnItsOwnThread() async throws {
        let connection = try await TestDatabase.connect()
        let other = try await TestDatabase.connect()
        for _ in 0..<50 {
            #expect(await connection.run { $0.isOnOwnThread })
            _ = try await connection.query("SELECT 1")
        }
        #expect(connection.isOnOwnThread == false, "the test itself runs on the cooperative pool")
        #expect(await other.run { _ in connection.isOnOwnThread } == false, "each connection has its own thread")
        let (first, second) = (await connection.run { _ in pthread_self() }, await other.run { _ in pthread_self() })
        #expect(pthread_equal(first, second) == 0)
    }
}
