// The queue's database operations as Swift calls; each runs on a connection the caller holds.
import EbbflowCore
import Foundation
import PostgresClient

/// Enqueue, claim, finish and inspect jobs. Every method takes the connection `isolated`, so
/// it runs inside whatever transaction the caller has open: a job enqueued by a handler
/// commits with the handler's other effects, or not at all.
public struct JobStore: Sendable {
    let sql: QueueSQL
    public var schema: SchemaName { sql.schema }
    public var channel: String { sql.channel }

    /// Wakes listening workers of `queues` (delivered at commit, once per transaction and
    /// queue): for callers that insert jobs set-based in their own SQL, or move the clock.
    public func notify(queues: [String], on connection: isolated PGConnection) throws {
        try connection.execute(sql.notifyQueues, [sql.channel, queues])
    }

    public init(schema: SchemaName) { sql = QueueSQL(schema: schema) }

    /// The database clock, read once for the caller's transaction.
    public func now(on connection: isolated PGConnection) throws -> Date {
        try DatabaseClock(schema: sql.schema).now(on: connection)
    }

    // MARK: - Enqueue

    /// Enqueues one job. With a unique key that matches an unfinished job, returns that job
    /// (`inserted == false`) instead of failing.
    @discardableResult
    public func enqueue(_ job: NewJob, on connection: isolated PGConnection) throws -> EnqueueResult {
        try job.validate()
        let result = try connection.query(
            sql.enqueue,
            [
                job.queue, job.kind, job.args.text, job.priority, job.maxAttempts, job.runAt, job.delay, job.uniqueKey,
                sql.channel,
                job.subject,
            ])
        if let row = result.first { return EnqueueResult(id: try row.decode("id"), inserted: true) }
        // The key matched. A concurrent enqueue may have committed after this statement's
        // snapshot, which a new statement sees.
        guard let key = job.uniqueKey, let existing = try connection.query(sql.existingByUniqueKey, [key]).first else {
            throw QueueError.invalid("enqueue of \(job.kind) inserted nothing and found no job with its unique key")
        }
        return EnqueueResult(id: try existing.decode("id"), inserted: false)
    }

    /// Enqueues many jobs in one statement, each at its `runAt` or after its `delay`.
    /// Returns how many were inserted (unique-key matches are skipped) and the id range.
    @discardableResult
    public func enqueueMany(_ jobs: [NewJob], on connection: isolated PGConnection) throws -> (
        inserted: Int, firstID: Int64?, lastID: Int64?
    ) {
        guard !jobs.isEmpty else { return (0, nil, nil) }
        for job in jobs { try job.validate() }
        let row = try connection.query(
            sql.enqueueMany,
            [
                jobs.map(\.queue), jobs.map(\.kind), jobs.map(\.args.text), jobs.map { Int64($0.priority) },
                jobs.map { Int64($0.maxAttempts) }, jobs.map(\.delay), jobs.map(\.uniqueKey), jobs.map(\.runAt),
                jobs.map(\.subject),
            ]
        ).first!
        let due: [String] = try row.decode("due_queues")
        if !due.isEmpty { try connection.execute(sql.notifyQueues, [sql.channel, due]) }
        return (try row.decode("inserted"), try row.decode("first_id"), try row.decode("last_id"))
    }

    /// Bulk-loads jobs with COPY: the fastest path, for jobs without unique keys.
    @discardableResult
    public func copyIn(_ jobs: [NewJob], on connection: isolated PGConnection) throws -> Int {
        guard !jobs.isEmpty else { return 0 }
        for job in jobs {
            try job.validate()
            if job.uniqueKey != nil { throw QueueError.invalid("COPY cannot honour unique keys; use enqueueMany") }
            if job.subject != nil { throw QueueError.invalid("COPY does not write subjects; use enqueueMany") }
        }
        let now = try self.now(on: connection)
        let formatter = TimestampText()
        let nowText = formatter.string(now)
        var dueQueues = Set<String>()
        let loaded = try connection.copyIn(sql.copyJobs) { writer in
            for job in jobs {
                let runAt = job.runAt ?? now.addingTimeInterval(job.delay)
                let due = runAt <= now
                if due { dueQueues.insert(job.queue) }
                try writer.appendRow([
                    due ? "available" : "scheduled", job.queue, job.kind, job.args.text, String(job.priority),
                    String(job.maxAttempts), formatter.string(runAt), nowText,
                ])
            }
        }
        if !dueQueues.isEmpty { try connection.execute(sql.notifyQueues, [sql.channel, Array(dueQueues)]) }
        return loaded
    }

    // MARK: - Claim and finish

    /// Claims up to `limit` due jobs; see `QueueSQL.claim`.
    /// The claim's own transaction settings (`PGConnection.queryInOwnTransaction`).
    /// - `synchronous_commit` off: the claim does not wait for the disk. A claim lost in a
    ///   server crash leaves its jobs available to claim again; the claim is durable before
    ///   anything depends on it, because a job's completion commits synchronously and the WAL
    ///   is one sequence.
    /// - `plan_cache_mode` generic: planned once per session rather than at every claim (a
    ///   custom plan per claim was about 9 % of the server's CPU in a transactional drain). The
    ///   claim is written so its generic plan is the custom one: the claimable index in order,
    ///   then the picked rows by `ctid`, whatever the row estimate for `LIMIT $3`.
    /// - `jit` off: the claim visits priorities through a recursive CTE whose generic plan
    ///   estimates millions of rows once the table holds a large scheduled backlog, which crossed
    ///   `jit_above_cost` and spent 1.3 s compiling a 0.2 ms claim (EXPLAIN ANALYZE with 2,000,000
    ///   jobs scheduled ahead). A claim is never worth compiling.
    static let claimSettings: KeyValuePairs<String, String> = [
        "synchronous_commit": "off", "plan_cache_mode": "force_generic_plan", "jit": "off",
    ]

    /// `metered: false` claims by `QueueSQL.claimUnmetered`, which ignores rate limits: only for
    /// queues the caller knows to have none (`limitedQueues`), so they pay nothing for the limits.
    public func claim(
        queues: [String], kinds: [String]? = nil, limit: Int, worker: String, leaseSeconds: Double, now: Date? = nil,
        metered: Bool = true, on connection: isolated PGConnection
    ) throws -> ClaimResult {
        let bindings: PGBindings = [queues, now, limit, worker, leaseSeconds] + (kinds.map { [$0] } ?? [])
        guard metered else {
            let statement = kinds == nil ? sql.claimUnmetered : sql.claimKindsUnmetered
            let result = try connection.queryInOwnTransaction(statement, bindings, settings: Self.claimSettings)
            let rows = try result.rows.map { try JobRow($0) }.sorted {
                ($0.priority, $0.runAt, $0.id) < ($1.priority, $1.runAt, $1.id)
            }
            return ClaimResult(
                now: try result.rows.first?.decode("claimed_at", as: Date.self) ?? now, rows: rows, throttled: [:])
        }
        let statement = kinds == nil ? sql.claim : sql.claimKinds
        let result = try connection.queryInOwnTransaction(statement, bindings, settings: Self.claimSettings)
        // One row of NULL job columns when nothing was claimed (it carries the throttled queues).
        let claimed = try result.rows.filter { try $0.decode("id", as: Int64?.self) != nil }
        // Claimed rows come back in storage order; hand them out in the claim's order.
        let rows = try claimed.map { try JobRow($0) }.sorted {
            ($0.priority, $0.runAt, $0.id) < ($1.priority, $1.runAt, $1.id)
        }
        var throttled: [String: Double] = [:]
        if let first = result.rows.first {
            let names: [String]? = try first.decode("throttled_queues")
            let waits: [Double]? = try first.decode("throttled_waits")
            for (name, wait) in zip(names ?? [], waits ?? []) { throttled[name] = wait }
        }
        guard let first = result.rows.first else { throw QueueError.invalid("the claim returned no row") }
        return ClaimResult(now: try first.decode("clock_now"), rows: rows, throttled: throttled)
    }

    /// Moves jobs this worker holds to `finished_jobs` as completed (or, with `keepHistory`
    /// false, deletes them); returns how many it finished.
    @discardableResult
    public func complete(
        _ ids: [Int64], worker: String, now: Date?, keepHistory: Bool = true,
        on connection: isolated PGConnection
    ) throws -> Int {
        if !keepHistory { return try connection.execute(sql.deleteCompleted, [ids, worker]) }
        return try connection.execute(sql.finish, [ids, worker, now, "completed", nil])
    }

    /// Completes a job when its transaction commits, in COMMIT's round trip. If the worker no
    /// longer holds the job at that point, the transaction fails with `leaseLostSQLState` and
    /// its effects roll back (see sql/queue/0002).
    public func completeAtCommit(
        _ id: Int64, worker: String, now: Date, keepHistory: Bool, on connection: isolated PGConnection
    ) {
        let completion = completionOrRaise(id, worker: worker, now: now, keepHistory: keepHistory)
        connection.executeAtCommit(completion.sql, completion.bindings)
    }

    /// The same completion as a statement to hand to a group commit (`GroupCommitter`).
    public func completionOrRaise(_ id: Int64, worker: String, now: Date, keepHistory: Bool) -> PGStatement {
        PGStatement(sql.completeOrRaise(keepHistory: keepHistory), [id, worker, now])
    }

    /// The SQLSTATE of a completion that found its job rescued from this worker.
    public static let leaseLostSQLState = "EB001"

    /// Gives up on a job: discarded, with the error kept.
    @discardableResult
    public func discard(_ id: Int64, worker: String?, now: Date, error: JobError, on connection: isolated PGConnection)
        throws -> Int
    {
        try connection.execute(sql.finish, [[id], worker, now, "discarded", try PGJSON(encoding: error)])
    }

    @discardableResult
    public func retry(
        _ id: Int64, worker: String, at runAt: Date, error: JobError, on connection: isolated PGConnection
    ) throws -> Int {
        try connection.execute(sql.retry, [id, worker, runAt, try PGJSON(encoding: error)])
    }

    @discardableResult
    public func snooze(_ id: Int64, worker: String, until runAt: Date, on connection: isolated PGConnection) throws
        -> Int
    {
        try connection.execute(sql.snooze, [id, worker, runAt])
    }

    @discardableResult
    public func unclaim(_ ids: [Int64], worker: String, on connection: isolated PGConnection) throws -> Int {
        try connection.execute(sql.unclaim, [ids, worker])
    }

    /// Hands back every job `worker` holds but does not run (`running`), after an outage that
    /// may have lost a claim's answer (`QueueSQL.unclaimAllBut`). Returns how many.
    public func unclaimAllBut(running: [Int64], worker: String, on connection: isolated PGConnection) throws -> Int {
        try connection.execute(sql.unclaimAllBut, [worker, running])
    }

    // MARK: - Admin

    /// A job by id, unfinished or finished.
    public func find(_ id: Int64, on connection: isolated PGConnection) throws -> JobRow? {
        if let row = try connection.query(sql.showUnfinished, [id]).first { return try JobRow(row) }
        if let row = try connection.query(sql.showFinished, [id]).first { return try JobRow(row, finished: true) }
        return nil
    }

    /// Newest first; finished states come from `finished_jobs`. With `before`, only ids below it:
    /// a keyset page (ids are never reused, and a job keeps its id when it finishes).
    public func list(
        state: String?, queue: String?, kind: String?, before: Int64? = nil, limit: Int,
        on connection: isolated PGConnection
    ) throws -> [JobRow] {
        let finishedStates: Set<String> = ["completed", "discarded", "cancelled"]
        var rows: [JobRow] = []
        if state == nil || !finishedStates.contains(state!) {
            rows += try connection.query(sql.listUnfinished, [state, queue, kind, limit, before]).rows.map {
                try JobRow($0)
            }
        }
        if state == nil || finishedStates.contains(state!) {
            rows += try connection.query(sql.listFinished, [state, queue, kind, limit, before]).rows.map {
                try JobRow($0, finished: true)
            }
        }
        return Array(rows.sorted { $0.id > $1.id }.prefix(limit))
    }

    /// Puts discarded or cancelled jobs back in the queue; returns the ids moved.
    public func retryFinished(_ ids: [Int64], on connection: isolated PGConnection) throws -> [Int64] {
        let now = try self.now(on: connection)
        let rows = try connection.query(sql.retryFinished, [ids, now]).rows
        let moved: [Int64] = try rows.map { try $0.decode("id") }
        let queues: [String] = Array(Set(try rows.map { try $0.decode("queue", as: String.self) }))
        if !queues.isEmpty { try connection.execute(sql.notifyQueues, [sql.channel, queues]) }
        return moved
    }

    /// The unfinished job that holds `uniqueKey`, which keeps a finished job with that key from
    /// being retried.
    public func holder(ofUniqueKey uniqueKey: String, on connection: isolated PGConnection) throws -> Int64? {
        try connection.query(sql.holderOfUniqueKey, [uniqueKey]).first?.decode("id")
    }

    public func discardedIDs(kind: String?, limit: Int, on connection: isolated PGConnection) throws -> [Int64] {
        try connection.query(sql.discardedIDs, [kind, limit]).rows.map { try $0.decode("id") }
    }

    /// Cancels a job that is not running.
    public func cancel(_ id: Int64, on connection: isolated PGConnection) throws {
        guard let job = try find(id, on: connection) else { throw QueueError.notFound(id) }
        guard ["scheduled", "available", "retryable"].contains(job.state) else {
            throw QueueError.wrongState(id, job.state, "cancel")
        }
        let now = try self.now(on: connection)
        guard try connection.execute(sql.cancel, [id, now]) == 1 else {
            throw QueueError.wrongState(id, "running", "cancel") // claimed since we looked
        }
    }

    /// Counts by queue and state, and the age of the oldest due job per queue.
    public func stats(on connection: isolated PGConnection) throws -> QueueStats {
        let now = try self.now(on: connection)
        var stats = QueueStats(now: now)
        for row in try connection.query(sql.statsByQueueAndState).rows {
            stats.counts.append((try row.decode("queue"), try row.decode("state"), try row.decode("jobs")))
        }
        for row in try connection.query(sql.oldestAvailable, [now]).rows {
            stats.oldestDue[try row.decode("queue")] = now.timeIntervalSince(try row.decode("oldest", as: Date.self))
        }
        return stats
    }
}

/// What a claim took, and which rate-limited queues it left without a whole token.
public struct ClaimResult: Sendable {
    /// The business time of the claim: the one given, else the database clock it read; nil
    /// only when an unmetered claim (`metered: false`) given no time took nothing.
    public var now: Date?
    public var rows: [JobRow]
    /// Limited queues whose bucket holds less than one token after this claim, with the
    /// seconds (by the database clock) until it holds one again: claiming them sooner gets nothing.
    public var throttled: [String: Double]
}

/// What `jobs stats` shows.
public struct QueueStats: Sendable {
    public var now: Date
    public var counts: [(queue: String, state: String, jobs: Int)] = []
    /// Seconds the oldest due job of each queue has waited.
    public var oldestDue: [String: Double] = [:]
}

/// `timestamptz` text for COPY, in UTC with microseconds.
struct TimestampText {
    /// Proleptic Gregorian with microseconds, as PostgreSQL reads it: Foundation's
    /// `DateFormatter` turned Julian before 1582 and moved such a time by days.
    func string(_ date: Date) -> String { ISO8601Text.string(date, fractionalSeconds: true) }
}
