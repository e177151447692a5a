// The pool bounds connections, times out waiters, and never blocks the cooperative thread pool.
import Foundation
@testable import PostgresClient
import Testing
import EbbflowTestSupport

@Suite struct PoolTests {
    /// 64 tasks × 500 queries through a pool of 8 while a 65th task sleeps 10 ms in a loop. If any
    /// libpq call ran on the cooperative pool (2 threads here), the sleeper would wake late.
    @Test func queriesDoNotBlockCooperativePool() async throws {
        let pool = PGPool(try TestDatabase.configuration, maxConnections: 8, acquireTimeout: .seconds(60))
        let clock = ContinuousClock()
        let started = clock.now
        let sleeper = Task {
            var worst = Duration.zero
            while !Task.isCancelled {
                let before = clock.now
                try? await Task.sleep(for: .milliseconds(10))
                let late = clock.now - before - .milliseconds(10)
                if late > worst { worst = late }
            }
            return worst
        }
        try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<64 {
                group.addTask {
                    var sum = 0
                    for index in 0..<500 {
                        sum += try await pool.query("SELECT $1::int AS v", [task * 1000 + index]).first!.decode("v", as: Int.self)
                    }
                    return sum
                }
            }
            var total = 0
            for try await sum in group { total += sum }
            let expected = (0..<64).reduce(0) { $0 + 500 * $1 * 1000 + (0..<500).reduce(0, +) }
            #expect(total == expected)
        }
        let elapsed = clock.now - started
        sleeper.cancel()
        let worst = await sleeper.value
        #expect(worst < elapsed / 10, "sleeper woke up to \(worst) late while the queries took \(elapsed)")
        #expect(await pool.statistics.open <= 8)
        await pool.close()
    }

    @Test func acquireTimesOutWhenExhausted() async throws {
        let pool = PGPool(try TestDatabase.configuration, maxConnections: 1, acquireTimeout: .milliseconds(200))
        let held = try await pool.acquire()
        let started = ContinuousClock.now
        await #expect { try await pool.acquire() } throws: { ($0 as? PGError)?.kind == .poolTimeout }
        #expect(ContinuousClock.now - started >= .milliseconds(190))
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
        let exists = try await pool.query("SELECT to_regclass('pg_temp.leftover') IS NOT NULL AS e").first!.decode("e", as: Bool.self)
        #expect(exists == false)
        await pool.close()
    }

    @Test func waitersAreServedInTurn() async throws {
        let pool = PGPool(try TestDatabase.configuration, maxConnections: 2, acquireTimeout: .seconds(30))
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
