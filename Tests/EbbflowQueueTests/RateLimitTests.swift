// Rate limits in the claim: a bucket hands out at most its tokens, refills by the database clock, and leaves unlimited queues alone.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

@Suite struct RateLimitTests {
    static let start = Date(timeIntervalSince1970: 1_900_000_000)

    /// A simulation schema with its clock frozen at `start`.
    func withFrozenClock(_ body: (PGConnection, SchemaName, JobStore) async throws -> Void) async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await connection.run { try DatabaseClock(schema: schema).set(Self.start, on: $0) }
            try await body(connection, schema, JobStore(schema: schema))
        }
    }

    func enqueue(_ count: Int, queue: String, store: JobStore, on connection: PGConnection) async throws {
        let jobs = (0..<count).map { _ in NewJob(kind: "noop", queue: queue) }
        _ = try await connection.run { try store.enqueueMany(jobs, on: $0) }
    }

    func claim(_ queues: [String], _ limit: Int, store: JobStore, on connection: PGConnection) async throws
        -> ClaimResult
    {
        try await connection.run {
            try store.claim(queues: queues, limit: limit, worker: "w", leaseSeconds: 60, on: $0)
        }
    }

    func advance(_ seconds: Double, _ schema: SchemaName, on connection: PGConnection) async throws {
        try await connection.run { try DatabaseClock(schema: schema).advance(by: seconds, on: $0) }
    }

    @Test func bucketHandsOutAtMostItsTokensAndRefillsByTheDatabaseClock() async throws {
        try await withFrozenClock { connection, schema, store in
            try await enqueue(200, queue: "mail", store: store, on: connection)
            _ = try await connection.run { try store.setLimit("mail", rate: try QueueRate(parsing: "10/s"), on: $0) }

            // A new limit starts with one token: one job, then nothing until the clock moves.
            var result = try await claim(["mail"], 50, store: store, on: connection)
            #expect(result.rows.count == 1)
            #expect(result.rows.first?.attemptedAt == Self.start, "stamped with the bucket's time")
            #expect(abs((result.throttled["mail"] ?? 0) - 0.1) < 1e-9, "a whole token again in 1/10 s")
            result = try await claim(["mail"], 50, store: store, on: connection)
            #expect(result.rows.isEmpty && result.now == Self.start)
            #expect(abs((result.throttled["mail"] ?? 0) - 0.1) < 1e-9)

            // 2.5 s of refill is capped at the burst (1.9 below 38/s): one job at a time.
            try await advance(2.5, schema, on: connection)
            result = try await claim(["mail"], 50, store: store, on: connection)
            #expect(result.rows.count == 1)
            #expect(abs((result.throttled["mail"] ?? 0) - 0.01) < 1e-9, "0.9 tokens left")
            try await advance(0.01, schema, on: connection)
            #expect(try await claim(["mail"], 50, store: store, on: connection).rows.count == 1)
            #expect(try await claim(["mail"], 50, store: store, on: connection).rows.isEmpty)

            // Above 38/s a claim takes up to 50 ms worth: 1000/s holds 50 tokens.
            _ = try await connection.run { try store.setLimit("mail", rate: try QueueRate(parsing: "1000/s"), on: $0) }
            try await advance(10, schema, on: connection)
            result = try await claim(["mail"], 20, store: store, on: connection)
            #expect(result.rows.count == 20 && result.throttled.isEmpty, "30 tokens left")
            result = try await claim(["mail"], 100, store: store, on: connection)
            #expect(result.rows.count == 30)
            #expect(result.throttled["mail"] != nil)
            #expect(try await claim(["mail"], 100, store: store, on: connection).rows.isEmpty)
            let running = try await MigratedSchema.count(
                connection, "SELECT 1 FROM \(schema.qualified("jobs")) WHERE state = 'running'")
            #expect(running == 53)
        }
    }

    /// A job put back (a retry, a snooze, a rescue) is claimed again through the bucket.
    @Test func aRetriedJobPaysForItsNextStart() async throws {
        try await withFrozenClock { connection, schema, store in
            try await enqueue(1, queue: "mail", store: store, on: connection)
            _ = try await connection.run { try store.setLimit("mail", rate: try QueueRate(parsing: "6/m"), on: $0) }
            let job = try #require(try await claim(["mail"], 5, store: store, on: connection).rows.first)
            _ = try await connection.run {
                try store.retry(
                    job.id, worker: "w", at: Self.start,
                    error: JobError(at: Self.start, attempt: 1, kind: .error, message: "4xx"), on: $0)
            }
            let dry = try await claim(["mail"], 5, store: store, on: connection)
            #expect(dry.rows.isEmpty)
            #expect(abs((dry.throttled["mail"] ?? 0) - 10) < 1e-9, "6/m: a token every 10 s")
            try await advance(10, schema, on: connection)
            #expect(try await claim(["mail"], 5, store: store, on: connection).rows.map(\.id) == [job.id])
        }
    }

    @Test func unlimitedQueuesBesideALimitedOneAreClaimedAsBeforeAndClearingLifts() async throws {
        try await withFrozenClock { connection, schema, store in
            try await enqueue(5, queue: "default", store: store, on: connection)
            try await enqueue(5, queue: "mail", store: store, on: connection)
            _ = try await connection.run { try store.setLimit("mail", rate: try QueueRate(parsing: "1/m"), on: $0) }
            let result = try await claim(["default", "mail"], 10, store: store, on: connection)
            #expect(result.rows.filter { $0.queue == "default" }.count == 5)
            #expect(result.rows.filter { $0.queue == "mail" }.count == 1)
            #expect(result.throttled.keys.sorted() == ["mail"])
            let listed = try await connection.run { try store.queues(on: $0) }
            let mail = try #require(listed.first { $0.name == "mail" })
            #expect(mail.limit?.rate == (try QueueRate(parsing: "1/m")) && mail.due == 4 && mail.running == 1)
            #expect(mail.limit.map { $0.tokens < 1 } == true)
            #expect(try await connection.run { try store.clearLimit("mail", on: $0) })
            #expect(try await connection.run { try store.clearLimit("mail", on: $0) } == false)
            let after = try await claim(["default", "mail"], 10, store: store, on: connection)
            #expect(after.rows.count == 4 && after.throttled.isEmpty)
        }
    }

    /// Eight connections claiming at once from one bucket of 50 tokens take exactly 50 jobs.
    @Test func concurrentClaimsNeverSpendATokenTwice() async throws {
        try await withFrozenClock { connection, schema, store in
            try await enqueue(300, queue: "mail", store: store, on: connection)
            _ = try await connection.run { try store.setLimit("mail", rate: try QueueRate(parsing: "1000/s"), on: $0) }
            try await advance(60, schema, on: connection)
            let taken = try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        let own = try await TestDatabase.connect()
                        var total = 0
                        for _ in 0..<10 {
                            total += try await own.run {
                                try store.claim(
                                    queues: ["mail"], limit: 3, worker: "w\(worker)", leaseSeconds: 60, on: $0)
                            }.rows.count
                        }
                        return total
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(taken == 50)
            let tokens = try await connection.query(
                "SELECT tokens FROM \(schema.qualified("queue_limits")) WHERE queue = 'mail'"
            ).first!.decode("tokens", as: Double.self)
            #expect(tokens >= 0 && tokens < 1)
        }
    }

    @Test func ratesAreParsedStrictlyAndBounded() throws {
        #expect(try QueueRate(parsing: "14/s") == QueueRate(jobs: 14, per: .second))
        #expect(try QueueRate(parsing: "600/m").perSecond == 10)
        #expect(try QueueRate(parsing: "100000/s").jobs == 100_000)
        for bad in [
            "", "14", "14/", "/s", "0/s", "-1/s", "+1/s", "014/s", "1.5/s", " 14/s", "14/s ", "14/S", "14/h",
            "14/sec", "14/s/s", "100001/s", "99999999999999999999/s", "１４/s", "14 /s", "1e3/s",
        ] {
            #expect(throws: BoundError.self, "\(bad)") { try QueueRate(parsing: bad) }
        }
        do {
            _ = try QueueRate(parsing: "fast\n")
            Issue.record("accepted")
        } catch {
            #expect(error.description == #"--rate "fast\n": must be N/s or N/m, N a whole number from 1 to 100000"#)
        }
    }
}
