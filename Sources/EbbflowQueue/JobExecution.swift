// Runs claimed jobs through their handlers and records each outcome, in the right transaction.
import Foundation
import Logging
import PostgresClient

/// Recorded for a handler that ran past its timeout.
struct JobTimedOut: Error, CustomStringConvertible {
    var timeout: Duration
    var description: String { "timed out after \(timeout)" }
}

/// A running job's deadline. The worker's watchdog marks it and cancels the job's task; one
/// watchdog per worker instead of a timer per job, because a timer per job costs a task, a
/// timer registration and a cancellation for every job, which dominated short jobs.
final class JobDeadline: @unchecked Sendable {
    @TaskLocal static var current: JobDeadline?

    let deadline: ContinuousClock.Instant
    let timeout: Duration
    private let lock = NSLock()
    private var expired = false

    init(timeout: Duration) {
        self.timeout = timeout
        deadline = .now + timeout
    }

    var timedOut: Bool { lock.withLock { expired } }

    /// Marks the deadline passed; returns true the first time.
    func expire() -> Bool {
        lock.withLock {
            defer { expired = true }; return !expired
        }
    }

    /// Whether a cancellation means "hand the job back" (shutdown) rather than a timeout.
    static var cancelledByShutdown: Bool { Task.isCancelled && !(current?.timedOut ?? false) }
}

/// The part of the worker that executes jobs. Separate from the claim loop so each rule
/// (which transaction, what is recorded on failure) sits in one place.
struct JobExecution: Sendable {
    let store: JobStore
    let registry: JobRegistry
    let configuration: WorkerConfiguration
    let pool: PGPool
    let completer: BatchCompleter
    let committer: GroupCommitter
    let logger: Logger

    var workerID: String { configuration.id }

    /// Runs one job to its recorded end. Never throws: every failure is written to the job.
    func run(_ row: JobRow, now: Date) async {
        let started = ContinuousClock.now
        var outcomeName = "failed"
        defer { QueueMetrics.ended(queue: row.queue, outcome: outcomeName, started: started) }
        let context = JobContext(now: now, workerID: workerID, store: store)
        guard let handler = registry.handlers[row.kind] else {
            outcomeName = await recordFailure(
                row, now: now, kind: .unknownKind, message: "no handler is registered for kind \"\(row.kind)\"",
                final: true)
            return
        }
        do {
            switch handler {
            case .transactional(let body):
                outcomeName = try await pool.withConnection { connection in
                    try await withCancellation(of: connection) {
                        try await connection.withTransaction { connection in
                            let outcome = try await body(row, context, connection)
                            if outcome == .completed {
                                // In COMMIT's round trip; fails the transaction if the job was rescued meanwhile.
                                store.completeAtCommit(
                                    row.id, worker: workerID, now: now,
                                    keepHistory: configuration.completedRetention > 0, on: connection)
                            } else {
                                try record(outcome, for: row, now: now, on: connection)
                            }
                            return outcome.metricName
                        }
                    }
                }
            case .writeOnly(let body):
                let writes = try await body(row, context)
                if writes.outcome == .completed {
                    // The completion raises if the job was rescued meanwhile, rolling the writes back.
                    let completion = store.completionOrRaise(
                        row.id, worker: workerID, now: now,
                        keepHistory: configuration.completedRetention > 0)
                    // False: not known to be this attempt's completion; counted as a lost lease is.
                    guard try await commitThroughOutage(writes.statements + [completion], row: row) else { return }
                } else {
                    // Rare (retry, snooze, discard): the writes and the outcome in one ordinary transaction.
                    try await pool.withConnection { connection in
                        try await withCancellation(of: connection) {
                            try await connection.withTransaction { connection in
                                for statement in writes.statements {
                                    try connection.execute(statement.sql, statement.bindings)
                                }
                                try record(writes.outcome, for: row, now: now, on: connection)
                            }
                        }
                    }
                }
                outcomeName = writes.outcome.metricName // only once it is committed
            case .acknowledged(let body):
                let outcome = try await body(row, context)
                outcomeName = outcome.metricName
                if outcome == .completed {
                    await completer.add(row.id)
                } else {
                    try await pool.withConnection { connection in
                        try await connection.run { try record(outcome, for: row, now: now, on: $0) }
                    }
                }
            case .chunk(_, let body):
                try await runChunk([row], body: body, context: context)
                outcomeName = "completed"
            }
        } catch {
            // Cancelled by a forced shutdown: the worker hands the job back uncharged.
            if JobDeadline.cancelledByShutdown { return }
            let thrown: any Error =
                if let deadline = JobDeadline.current, deadline.timedOut { JobTimedOut(timeout: deadline.timeout) } else
                { error }
            outcomeName = await recordThrown(thrown, row: row, now: now) ?? outcomeName
        }
    }

    /// Commits a write-only job's transaction (its writes and its guarded completion), sending
    /// the same transaction again while the database is away (`DatabaseAway`), for at most a
    /// lease: the job stays in this worker's running set meanwhile, so its lease is renewed as
    /// soon as the database answers again. Exactly once all the same: the completion matches
    /// only a job this worker still holds, so a second send after a first that did commit (its
    /// answer lost with the connection) raises `EB001` and rolls its writes back. Returns false
    /// in that one case, a retry told the job is no longer held here: the first commit landed,
    /// or the job was rescued and went to another worker, whose run then counts. Before, the
    /// job's failure was written once, which cannot work while the database is away, and the
    /// job waited for its lease to lapse.
    private func commitThroughOutage(_ statements: [PGStatement], row: JobRow) async throws -> Bool {
        var retried = false
        do {
            try await DatabaseAway.retrying(
                until: .now + .seconds(configuration.leaseSeconds),
                onRetry: { retry in
                    retried = true
                    if retry == 1 {
                        logger.info(
                            "the database went away while a job committed; sending its transaction again until it answers",
                            metadata: ["job": "\(row.id)"])
                    }
                }
            ) {
                try await committer.commit(statements)
            }
            return true
        } catch let error as PGError where retried && error.sqlState == JobStore.leaseLostSQLState {
            logger.info(
                """
                a job's transaction sent again after a lost connection found the job no longer held here \
                (committed before, or rescued); nothing applied twice
                """,
                metadata: ["job": "\(row.id)"])
            return false
        }
    }

    /// Runs jobs of one chunk kind together; on failure, halves until the failing job is alone.
    func runChunk(
        _ rows: [JobRow], body: @escaping @Sendable ([JobRow], JobContext, isolated PGConnection) async throws -> Void,
        context: JobContext
    ) async throws {
        do {
            let ids = rows.map(\.id)
            let (store, workerID, keepHistory) = (self.store, self.workerID, configuration.completedRetention > 0)
            try await pool.withConnection { connection in
                try await withCancellation(of: connection) {
                    try await connection.withTransaction { connection in
                        try await body(rows, context, connection)
                        let moved = try store.complete(
                            ids, worker: workerID, now: context.now, keepHistory: keepHistory, on: connection)
                        if moved != ids.count { throw QueueError.lostLease(ids.first!) }
                    }
                }
            }
        } catch {
            if let deadline = JobDeadline.current, deadline.timedOut, !JobDeadline.cancelledByShutdown {
                // A timed-out chunk cannot be split (its task is cancelled): each job records the timeout.
                for row in rows {
                    await recordFailure(
                        row, now: context.now, kind: .timeout, message: "\(JobTimedOut(timeout: deadline.timeout))",
                        final: false)
                }
                return
            }
            // Halving finds a failing job; a database that went away fails every half alike.
            if rows.count == 1 || Task.isCancelled || DatabaseAway.explains(error) { throw error }
            let middle = rows.count / 2
            logger.debug("chunk failed; splitting", metadata: ["jobs": "\(rows.count)", "error": "\(error)"])
            for half in [Array(rows[..<middle]), Array(rows[middle...])] {
                do {
                    try await runChunk(half, body: body, context: context)
                } catch {
                    // A half the database's going away failed (not halved further): each job records it.
                    if half.count == 1 || DatabaseAway.explains(error) {
                        for row in half { await recordThrown(error, row: row, now: context.now) }
                    }
                }
            }
        }
    }

    /// Writes a handler's chosen outcome inside its own transaction.
    func record(_ outcome: JobOutcome, for row: JobRow, now: Date, on connection: isolated PGConnection) throws {
        let changed: Int
        switch outcome {
        case .completed:
            changed = try store.complete(
                [row.id], worker: workerID, now: now, keepHistory: configuration.completedRetention > 0, on: connection)
        case .retry(let after):
            let error = JobError(
                at: now, attempt: row.attempt, kind: .error, message: "handler asked to retry in \(after) s")
            if row.attempt >= row.maxAttempts {
                changed = try store.discard(row.id, worker: workerID, now: now, error: error, on: connection)
            } else {
                changed = try store.retry(
                    row.id, worker: workerID, at: now.addingTimeInterval(after), error: error, on: connection)
            }
        case .snooze(let seconds):
            changed = try store.snooze(row.id, worker: workerID, until: now.addingTimeInterval(seconds), on: connection)
        case .discard(let reason):
            let error = JobError(at: now, attempt: row.attempt, kind: .discarded, message: reason)
            changed = try store.discard(row.id, worker: workerID, now: now, error: error, on: connection)
        }
        if changed == 0 { throw QueueError.lostLease(row.id) }
    }

    /// A thrown error or a timeout: the effects are already rolled back; record the attempt.
    /// Returns the outcome recorded (see `recordFailure`), nil when nothing was: a forced
    /// shutdown hands the job back, and a rescued job is no longer this worker's.
    @discardableResult
    func recordThrown(_ error: any Error, row: JobRow, now: Date) async -> String? {
        if JobDeadline.cancelledByShutdown { return nil }
        if case QueueError.lostLease = error { return logLostLease(row) }
        if let error = error as? PGError, error.sqlState == JobStore.leaseLostSQLState { return logLostLease(row) }
        let kind: JobError.Kind =
            error is JobTimedOut ? .timeout : (error is UndecodableArgs ? .undecodableArgs : .error)
        return await recordFailure(
            row, now: now, kind: kind, message: "\(error)", final: kind == .undecodableArgs,
            databaseAway: DatabaseAway.explains(error))
    }

    private func logLostLease(_ row: JobRow) -> String? {
        logger.warning("job was rescued from this worker; its effects were rolled back", metadata: ["job": "\(row.id)"])
        return nil
    }

    /// Retries with backoff, or discards when attempts are used up (or `final`). Returns the
    /// metrics outcome: "discarded" when the job was discarded, so alerts on discards see a
    /// failure that used the last attempt, else "failed".
    ///
    /// `databaseAway`: the attempt failed because the database went away (`DatabaseAway`), not
    /// by the job's fault. The job is then due again at once (no backoff; the attempt still
    /// counts, so a job that kills its connection every time is discarded after its attempts),
    /// and the write is tried again until the database answers, for at most a lease, instead of
    /// leaving the job to its lease after one try. The write is guarded by the job's hold, so it
    /// changes nothing when the attempt did commit before its answer was lost.
    @discardableResult
    func recordFailure(
        _ row: JobRow, now: Date, kind: JobError.Kind, message: String, final: Bool, databaseAway: Bool = false
    ) async -> String {
        // Detached: the job's own task may be cancelled (a timeout), and a cancelled task
        // cannot wait for a pooled connection.
        await Task.detached {
            await self.writeFailure(row, kind: kind, message: message, final: final, databaseAway: databaseAway)
        }.value
    }

    private func writeFailure(
        _ row: JobRow, kind: JobError.Kind, message: String, final: Bool, databaseAway: Bool
    ) async -> String {
        let (store, workerID, policy) = (self.store, self.workerID, configuration.retryPolicy)
        let discarding = final || row.attempt >= row.maxAttempts
        // Without the outage, one try: the deadline is already past.
        let deadline: ContinuousClock.Instant = .now + (databaseAway ? .seconds(configuration.leaseSeconds) : .zero)
        do {
            try await DatabaseAway.retrying(until: deadline) {
                try await pool.withConnection { connection in
                    try await connection.run { connection in
                        let now = try store.now(on: connection)
                        let error = JobError(at: now, attempt: row.attempt, kind: kind, message: message)
                        if discarding {
                            try store.discard(row.id, worker: workerID, now: now, error: error, on: connection)
                        } else {
                            let delay = databaseAway ? 0 : policy.delay(afterAttempt: row.attempt)
                            try store.retry(
                                row.id, worker: workerID, at: now.addingTimeInterval(delay), error: error,
                                on: connection)
                        }
                    }
                }
            }
            // A discard needs someone to look (it will not run again); a retry is routine.
            let metadata: Logger.Metadata = [
                "job": "\(row.id)", "kind": "\(row.kind)", "attempt": "\(row.attempt)", "error": "\(message)",
            ]
            if discarding {
                logger.warning("job discarded", metadata: metadata)
                return "discarded"
            }
            logger.info("job failed; it will be retried", metadata: metadata)
        } catch {
            logger.error(
                "could not record a job failure; its lease will expire and it will run again",
                metadata: ["job": "\(row.id)", "error": "\(error)"])
        }
        return "failed"
    }
}

/// Cancelling the task (a timeout, a forced shutdown) cancels the statement the connection is
/// running, so a handler blocked in the database stops promptly and its transaction rolls back.
/// A cancel that finds no statement running (it came before the first, or between two) is
/// recorded on the connection and refuses the next statement with 57014: the server ignores a
/// cancel request that reaches an idle connection, and that statement would run unbounded.
///
/// The handler's statements do not count for the stall monitor meanwhile: the job timeout bounds
/// them, and a handler may rightly run a statement for minutes (see `StallMonitor`).
func withCancellation<T: Sendable>(of connection: PGConnection, _ body: () async throws -> T) async throws -> T {
    connection.watchStatements(false)
    defer { connection.watchStatements(true) }
    let running = RunningFlag()
    // Withdrawn under the flag's lock: a cancel is never recorded for the connection's next user.
    defer { running.end { connection.withdrawCancel() } }
    return try await withTaskCancellationHandler {
        try await body()
    } onCancel: {
        // Recorded at once (a lock, no I/O): a statement starting from now on is refused.
        running.ifRunning { connection.requestCancel() }
        // On a thread of its own: a cancel request blocks on a connection of its own to the
        // server, and the canceller (the watchdog, a shutdown) runs on Swift's cooperative pool.
        // Not after the body returned: the connection may already serve someone else.
        DispatchQueue.global().async { running.ifRunning { connection.cancelRunningStatement() } }
    }
}

/// True until `end()`; `ifRunning` runs its action only before that, under the same lock.
final class RunningFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var running = true
    func end(_ action: () -> Void = {}) {
        lock.withLock {
            running = false; action()
        }
    }
    func ifRunning(_ action: () -> Void) { lock.withLock { if running { action() } } }
}

extension JobOutcome {
    var metricName: String {
        switch self {
        case .completed: "completed"
        case .retry: "retried"
        case .snooze: "snoozed"
        case .discard: "discarded"
        }
    }
}
