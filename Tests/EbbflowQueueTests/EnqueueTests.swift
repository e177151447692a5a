// Enqueueing: single, bulk and COPY; unique keys dedupe, also across concurrent transactions.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

@Suite struct EnqueueTests {
    @Test func uniqueKeyReturnsExistingJob() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let job = NewJob(kind: "noop", uniqueKey: "welcome:42")
            let first = try await connection.run { try store.enqueue(job, on: $0) }
            let second = try await connection.run { try store.enqueue(job, on: $0) }
            #expect(first.inserted && !second.inserted)
            #expect(first.id == second.id)
            #expect(try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).jobs") == 1)
        }
    }

    /// Retrying finished jobs respects unique keys: a job whose key an unfinished job holds
    /// stays finished (no 23505 failing the whole retry), of two with one free key only the
    /// newest returns, and jobs without a key all return.
    @Test func retryLeavesJobsWhoseUniqueKeyIsHeld() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let (held, older, newer, keyless, holder) = try await connection.run { connection in
                let held = try store.enqueue(NewJob(kind: "noop", uniqueKey: "held"), on: connection).id
                try store.cancel(held, on: connection)
                let holder = try store.enqueue(NewJob(kind: "noop", uniqueKey: "held"), on: connection).id
                let older = try store.enqueue(NewJob(kind: "noop", uniqueKey: "free"), on: connection).id
                try store.cancel(older, on: connection)
                let newer = try store.enqueue(NewJob(kind: "noop", uniqueKey: "free"), on: connection).id
                try store.cancel(newer, on: connection)
                let keyless = try store.enqueue(NewJob(kind: "noop"), on: connection).id
                try store.cancel(keyless, on: connection)
                return (held, older, newer, keyless, holder)
            }
            let moved = try await connection.withTransaction {
                try store.retryFinished([held, older, newer, keyless], on: $0)
            }
            #expect(Set(moved) == [newer, keyless])
            #expect(try await connection.run { try store.holder(ofUniqueKey: "held", on: $0) } == holder)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).finished_jobs WHERE id = ANY($1)", [[held, older]]) == 2
            )
        }
    }

    /// The race a check-then-insert lost: an enqueue of the key commits while the retry runs.
    /// The retry waits for it, then leaves the finished job where it is; no 23505.
    @Test(.timeLimit(.minutes(5))) func retryRacingAnEnqueueOfTheSameKeyLeavesTheJob() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let finished = try await connection.run { connection in
                let id = try store.enqueue(NewJob(kind: "noop", uniqueKey: "raced"), on: connection).id
                try store.cancel(id, on: connection)
                return id
            }
            let enqueuer = try await TestDatabase.connect()
            try await enqueuer.simpleQuery("BEGIN")
            _ = try await enqueuer.run { try store.enqueue(NewJob(kind: "noop", uniqueKey: "raced"), on: $0) }
            let retry = Task { try await connection.withTransaction { try store.retryFinished([finished], on: $0) } }
            try await Task.sleep(for: .milliseconds(200)) // the retry now waits on the uncommitted key
            try await enqueuer.simpleQuery("COMMIT")
            #expect(try await retry.value.isEmpty)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).finished_jobs WHERE id = $1", [finished]) == 1)
            await enqueuer.close()
        }
    }

    @Test func uniqueKeyFromTwoConcurrentTransactionsYieldsOneJob() async throws {
        try await MigratedSchema.with { _, schema in
            let store = JobStore(schema: schema)
            let a = try await TestDatabase.connect(), b = try await TestDatabase.connect()
            let job = NewJob(kind: "noop", uniqueKey: "race")
            // A inserts and holds its transaction open; B's insert waits on A's row, then sees it.
            let gate = AsyncGate()
            async let first = a.withTransaction { connection in
                let result = try store.enqueue(job, on: connection)
                await gate.open()
                try await Task.sleep(for: .milliseconds(300))
                return result
            }
            await gate.wait()
            let second = try await b.withTransaction { try store.enqueue(job, on: $0) }
            let firstResult = try await first
            #expect(firstResult.inserted && !second.inserted)
            #expect(firstResult.id == second.id)
            #expect(try await MigratedSchema.count(a, "SELECT 1 FROM \(schema.quoted).jobs") == 1)
        }
    }

    @Test func enqueueInCallersTransactionRollsBackWithIt() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            await #expect(throws: Abort.self) {
                try await connection.withTransaction { connection in
                    try store.enqueue(NewJob(kind: "noop"), on: connection)
                    throw Abort()
                }
            }
            let left = try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).jobs")
            #expect(left == 0)
        }
    }

    @Test func bulkAndCopyEnqueue() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let jobs = (0..<5000).map {
                NewJob(kind: "noop", args: PGJSON("{\"n\": \($0)}"), delay: $0 % 2 == 0 ? 0 : 60)
            }
            let bulk = try await connection.withTransaction { try store.enqueueMany(jobs, on: $0) }
            #expect(bulk.inserted == 5000)
            let copied = try await connection.withTransaction { try store.copyIn(jobs, on: $0) }
            #expect(copied == 5000)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE state = 'scheduled'") == 5000)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE args->>'n' = '4999'") == 2)
            // An explicit run time wins over the delay, in both bulk paths.
            let at = Date(timeIntervalSince1970: 4_102_444_800) // 2100-01-01
            let timed = [NewJob(kind: "timed", runAt: at, delay: 5), NewJob(kind: "timed", runAt: at)]
            _ = try await connection.withTransaction { try store.enqueueMany(timed, on: $0) }
            _ = try await connection.withTransaction { try store.copyIn(timed, on: $0) }
            #expect(
                try await MigratedSchema.count(
                    connection,
                    """
                    SELECT 1 FROM \(schema.quoted).jobs WHERE kind = 'timed' AND state = 'scheduled' AND run_at = '2100-01-01T00:00:00Z'
                    """) == 4)
        }
    }

    @Test func invalidJobsAreRefused() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            for bad in [
                NewJob(kind: ""), NewJob(kind: "noop", queue: ""), NewJob(kind: "noop", maxAttempts: 0),
                NewJob(kind: "noop", delay: -1),
            ] {
                await #expect(throws: QueueError.self) { try await connection.run { try store.enqueue(bad, on: $0) } }
            }
            // Before year 1: PostgreSQL's 1 BC, which the COPY path's text once wrote as year 0.
            // 0000-12-31T23:59:59Z
            let early = NewJob(kind: "noop", runAt: Date(timeIntervalSince1970: -62_135_596_801))
            await #expect(throws: QueueError.self) {
                try await connection.run { try store.copyIn([early, early], on: $0) }
            }
            await #expect(throws: QueueError.self) { try await connection.run { try store.enqueue(early, on: $0) } }
        }
    }

    /// A queue no worker's `--queues` can name (it splits on commas and trims spaces) is
    /// refused by the library too, on every enqueue path; a job there once waited for ever.
    @Test(arguments: [
        "default,sweeps", " default", "default ", "sweeps\n", "a\u{2028}b", "a\u{2029}", "\u{00A0}mail",
        String(repeating: "q", count: 129), String(repeating: "q", count: 8_192),
    ])
    func queueNamesNoWorkerCanClaimAreRefused(queue: String) async throws {
        try await MigratedSchema.with { (connection, schema) async throws in
            let store = JobStore(schema: schema)
            let job = NewJob(kind: "noop", queue: queue)
            await #expect(throws: BoundError.self) { try await connection.run { try store.enqueue(job, on: $0) } }
            await #expect(throws: BoundError.self) { try await connection.run { try store.enqueueMany([job], on: $0) } }
            await #expect(throws: BoundError.self) {
                try await connection.run { try store.copyIn([job, job], on: $0) }
            }
            #expect(try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).jobs") == 0)
        }
    }

    /// Every name a worker's `--queues` can claim is accepted: refusing `tenant:42` or
    /// `émails` once stranded jobs already stored there and disabled their schedules.
    @Test(arguments: ["tenant:42", "mail/high", "émails", "a b", "default.v2", String(repeating: "q", count: 128)])
    func claimableQueueNamesAreAccepted(queue: String) async throws {
        try await MigratedSchema.with { (connection, schema) async throws in
            let store = JobStore(schema: schema)
            let job = NewJob(kind: "noop", queue: queue)
            _ = try await connection.run { try store.enqueue(job, on: $0) }
            _ = try await connection.run { try store.enqueueMany([job], on: $0) }
            _ = try await connection.run { try store.copyIn([job, job], on: $0) }
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE queue = $1", [queue]) == 4)
        }
    }
}

struct Abort: Error {}

/// Opens once; waiters before and after pass.
actor AsyncGate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    func open() { isOpen = true; waiters.forEach { $0.resume() }; waiters = [] }
    func wait() async { if !isOpen { await withCheckedContinuation { waiters.append($0) } } }
}
