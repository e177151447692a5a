// Write-only handlers and the group committer: many jobs' transactions per round trip, each still alone.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

/// Counts; a poison job's transaction fails at its last statement, a `discard` one gives up
/// with its write kept.
struct PoisonableWriteJob: WriteOnlyJobHandler {
    struct Args: Codable, Sendable {
        var poison = false
        var discard = false
    }
    static let kind = "poisonable_write"
    func run(_ job: Job<Args>, context: JobContext) async throws -> JobWrites {
        if job.args.discard {
            return JobWrites(
                [PGStatement(context.store.sql.counterIncrement, ["discarded"])],
                outcome: .discard(reason: "not wanted"))
        }
        var statements = [PGStatement(context.store.sql.counterIncrement, ["grouped"])]
        if job.args.poison { statements.append(PGStatement("SELECT 1 / 0")) }
        return JobWrites(statements)
    }
}

/// Loses its job to "another worker" before returning its writes: the completion must raise
/// and take the writes back with it.
struct RescuedBeforeCommitWriteJob: WriteOnlyJobHandler {
    struct Args: Codable, Sendable {}
    static let kind = "rescued_before_commit"
    let schema: SchemaName
    func run(_ job: Job<Args>, context: JobContext) async throws -> JobWrites {
        let other = try await PGConnection.connect(try TestDatabase.configuration)
        try await other.execute(
            "UPDATE \(schema.qualified("jobs")) SET locked_by = 'another-worker' WHERE id = $1", [job.id])
        await other.close()
        return JobWrites([PGStatement(context.store.sql.counterIncrement, ["rescued"])])
    }
}

@Suite struct WriteOnlyJobTests {
    /// 200 commits at once leave in far fewer round trips; the one failing transaction fails
    /// alone (its caller gets the SQLSTATE) and every other one commits, including those
    /// PostgreSQL skipped behind it, which the committer sends again.
    @Test func concurrentCommitsShareGroupsAndAFailureStaysWithItsCaller() async throws {
        try await TestDatabase.withSchema { connection, schema in
            try await connection.simpleQuery("CREATE TABLE items (id int PRIMARY KEY)")
            let pool = PGPool(try TestDatabase.configuration, maxConnections: 2, logger: QuietLogger.logger)
            let committer = GroupCommitter(pool: pool, logger: QuietLogger.logger)
            let insert = "INSERT INTO \(schema).items VALUES ($1)"
            let failures = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for id in 0..<200 {
                    group.addTask {
                        var statements = [PGStatement(insert, [id])]
                        if id == 57 { statements.append(PGStatement("SELECT 1 / 0")) }
                        do {
                            try await committer.commit(statements)
                            return (id, nil)
                        } catch let error as PGError {
                            return (id, error.sqlState ?? "no sqlstate")
                        }
                    }
                }
                var failures: [Int: String] = [:]
                for try await (id, failure) in group { if let failure { failures[id] = failure } }
                return failures
            }
            #expect(failures == [57: "22012"])
            #expect(
                try await connection.query("SELECT count(*)::int AS n FROM items").first!.decode("n", as: Int.self)
                    == 199)
            #expect(
                try await connection.query("SELECT count(*)::int AS n FROM items WHERE id = 57").first!.decode(
                    "n", as: Int.self) == 0)
            let groups = await committer.groupsSent
            #expect(groups < 100, "200 concurrent commits went out in \(groups) groups")
            await pool.close()
        }
    }

    /// A transaction blocked on a lock does not hold the committer: cancelling its caller (a
    /// job's timeout) cancels the group's running statement; the caller gets the cancellation,
    /// the transactions behind it are sent again and commit, and later commits go through.
    @Test(.timeLimit(.minutes(5))) func cancellingABlockedTransactionFreesTheGroup() async throws {
        try await withItemFiveHeldElsewhere { connection, insert, pool in
            let committer = GroupCommitter(pool: pool, logger: QuietLogger.logger)
            let blocked = Task { try await committer.commit([PGStatement(insert, [5])]) }
            try await Task.sleep(for: .milliseconds(100))
            let behind = Task { try await committer.commit([PGStatement(insert, [7])]) }
            try await Task.sleep(for: .milliseconds(300))
            blocked.cancel()
            await #expect(throws: (any Error).self) { try await blocked.value }
            try await behind.value
            try await committer.commit([PGStatement(insert, [9])])
            let ids: [Int] = try await connection.query("SELECT id FROM items ORDER BY id").rows.map {
                try $0.decode("id")
            }
            #expect(ids == [7, 9])
        }
    }

    /// A schema's `items` table where another session holds an uncommitted insert of id 5, and
    /// a pool; `body` gets the insert statement. The holder rolls back afterwards.
    func withItemFiveHeldElsewhere(_ body: (PGConnection, String, PGPool) async throws -> Void) async throws {
        try await TestDatabase.withSchema { connection, schema in
            try await connection.simpleQuery("CREATE TABLE items (id int PRIMARY KEY)")
            let blocker = try await TestDatabase.connect()
            try await blocker.simpleQuery("BEGIN; INSERT INTO \(schema).items VALUES (5)")
            let pool = PGPool(try TestDatabase.configuration, maxConnections: 2, logger: QuietLogger.logger)
            try await body(connection, "INSERT INTO \(schema).items VALUES ($1)", pool)
            try await blocker.simpleQuery("ROLLBACK")
            await blocker.close()
            await pool.close()
        }
    }

    /// Nobody cancels: a transaction blocked on a lock held elsewhere fails alone once the lock
    /// timeout passes (55P03, so its job is retried), and the one queued behind it commits long
    /// before the lock is released. Without the bound both would wait for the holder.
    @Test(.timeLimit(.minutes(5))) func aBlockedTransactionFailsAloneAfterTheLockTimeout() async throws {
        try await withItemFiveHeldElsewhere { connection, insert, pool in
            let committer = GroupCommitter(pool: pool, logger: QuietLogger.logger, lockTimeout: .milliseconds(300))
            let blocked = Task { try await committer.commit([PGStatement(insert, [5])]) }
            try await Task.sleep(for: .milliseconds(50))
            let behind = Task { try await committer.commit([PGStatement(insert, [7])]) }
            await #expect { try await blocked.value } throws: { ($0 as? PGError)?.sqlState == "55P03" }
            try await behind.value
            // Both returned while the holder still holds item 5 (it lets go only after this
            // closure): the bound ended the wait, not the holder. No wall-clock assertion.
            let ids: [Int] = try await connection.query("SELECT id FROM items ORDER BY id").rows.map {
                try $0.decode("id")
            }
            #expect(ids == [7])
        }
    }

    /// A transaction that comes back not run every time (its own statement raises 26000, which
    /// reads as a prepared statement the server forgot) is failed after a bounded number of
    /// sends instead of being sent again for ever, and commits behind it go through.
    @Test(.timeLimit(.minutes(5))) func aTransactionThatNeverRunsIsFailedAfterBoundedResends() async throws {
        try await TestDatabase.withSchema { connection, schema in
            try await connection.simpleQuery(
                """
                CREATE TABLE items (id int PRIMARY KEY);
                CREATE FUNCTION \(schema).forgets() RETURNS void LANGUAGE plpgsql AS
                $$ BEGIN RAISE EXCEPTION 'no such prepared statement' USING ERRCODE = '26000'; END $$
                """)
            let pool = PGPool(try TestDatabase.configuration, maxConnections: 2, logger: QuietLogger.logger)
            let committer = GroupCommitter(pool: pool, logger: QuietLogger.logger, maxGroupSize: 4)
            let forgetful = Task { try await committer.commit([PGStatement("SELECT \(schema).forgets()")]) }
            await #expect(throws: PGError.self) { try await forgetful.value }
            let groups = await committer.groupsSent
            #expect(groups <= 6, "sent \(groups) times")
            try await committer.commit([PGStatement("INSERT INTO \(schema).items VALUES ($1)", [1])])
            #expect(
                try await connection.query("SELECT count(*)::int AS n FROM items").first!.decode("n", as: Int.self) == 1
            )
            await pool.close()
        }
    }

    /// Through the worker: a poison job among 300 fails alone, is retried, then discarded; the
    /// 299 others complete with their writes, in groups.
    @Test func poisonJobAmongGroupedOnesIsRetriedAloneThenDiscarded() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = JobStore(schema: schema)
            let jobs = try (0..<300).map {
                try NewJob(
                    kind: PoisonableWriteJob.kind, encoding: PoisonableWriteJob.Args(poison: $0 == 123), maxAttempts: 2)
            }
            try await connection.withTransaction { try store.enqueueMany(jobs, on: $0) }
            var registry = JobRegistry()
            registry.register(PoisonableWriteJob())
            try await InProcess.drain(
                schema, registry: registry, concurrency: 50, retry: RetryPolicy(base: 60, jitter: 0))
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).finished_jobs WHERE state = 'completed'") == 299)
            let counted: Int = try await connection.query(
                "SELECT value FROM \(schema.quoted).counters WHERE name = 'grouped'"
            ).first!.decode("value")
            #expect(counted == 299, "the poison's write rolled back")
            let poisonRow = try await connection.query(
                "SELECT id FROM \(schema.quoted).jobs WHERE args->>'poison' = 'true'"
            ).first
            let poison: Int64 = try #require(poisonRow, "the poison job waits for its retry").decode("id")
            let retried = try #require(try await connection.run { try store.find(poison, on: $0) })
            #expect(retried.state == "retryable")
            #expect(retried.errors.first?.message.contains("division by zero") == true)
            try await InProcess.advance(connection, schema, seconds: 3600)
            try await InProcess.drain(schema, registry: registry, concurrency: 50)
            let final = try #require(try await connection.run { try store.find(poison, on: $0) })
            #expect(final.state == "discarded" && final.errors.count == 2)
        }
    }

    /// An outcome other than completed commits the writes with the outcome, as a transactional
    /// handler's would.
    @Test func discardKeepsTheWritesAndTheReason() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = JobStore(schema: schema)
            let id = try await connection.run {
                try store.enqueue(
                    try NewJob(kind: PoisonableWriteJob.kind, encoding: PoisonableWriteJob.Args(discard: true)), on: $0)
            }.id
            var registry = JobRegistry()
            registry.register(PoisonableWriteJob())
            try await InProcess.drain(schema, registry: registry)
            let job = try #require(try await connection.run { try store.find(id, on: $0) })
            #expect(job.state == "discarded" && job.errors.first?.message == "not wanted")
            let counted: Int = try await connection.query(
                "SELECT value FROM \(schema.quoted).counters WHERE name = 'discarded'"
            ).first!.decode("value")
            #expect(counted == 1)
        }
    }
}
