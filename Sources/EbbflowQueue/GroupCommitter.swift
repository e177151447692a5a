// Commits write-only jobs' transactions together: many per round trip, one disk flush per group.
import Foundation
import Logging
import PostgresClient

/// Why: a transactional queue that commits each job in a round trip of its own is capped by
/// that round trip and by the disk's flush (fdatasync ≈ 180 µs here). Jobs of a
/// `WriteOnlyJobHandler` hand their transaction (the handler's writes and the job's
/// completion) here; whatever arrives while a group is on the wire goes in the next group,
/// sent with `PGConnection.commitGroup`. Each job's transaction still commits or rolls back
/// alone, and `commit` returns only once it is durable.
///
/// No timer: a group leaves as soon as a connection is free, so a lone job waits for nothing,
/// and groups grow only when jobs arrive faster than groups go out.
///
/// A transaction blocked on a lock would hold back every transaction behind it in its group:
/// each waits for a lock at most `lockTimeout`, then fails alone (and its job is retried).
///
/// Cancellation (a job's timeout, a forced shutdown): a transaction still waiting leaves at
/// once; one on the wire has the group's running statement cancelled, as a transactional job's
/// statement would be. The other transactions that statement cancellation hit are sent again.
actor GroupCommitter {
    private struct Entry {
        var id: ObjectIdentifier
        var statements: [PGStatement]
        var continuation: CheckedContinuation<Void, any Error>
        /// Times it came back not run. Each failure ahead of it in a group sends it back once and
        /// moves it nearer the front, so a transaction sent back more often than a group holds
        /// never runs (a statement of its own the server keeps saying it forgot, 26000): failed.
        var sentBack = 0
    }

    /// A group on the wire: its transactions, and its connection once it has one.
    private struct Flight {
        var ids: Set<ObjectIdentifier>
        let connection = FlightConnection()
        /// Whether this committer cancelled the group's running statement (a 57014 is then
        /// ours, not a `statement_timeout`'s).
        var cancelIssued = false
    }

    private let pool: PGPool
    private let logger: Logger
    /// Groups on the wire at once, each on its own pooled connection. One by default: with two,
    /// the first jobs of a burst leave in groups of one and the drain was slower (4,542 against
    /// 5,690 jobs/s, counter 2 × 10, side by side).
    private let maxGroups: Int
    /// Transactions per group at most: bounds the round trip a job waits behind.
    private let maxGroupSize: Int
    /// How long a group's statement may wait for a lock (`PGConnection.commitGroup`).
    private let lockTimeout: Duration
    private var pending: [Entry] = []
    private var flights: [ObjectIdentifier: Flight] = [:]
    /// Transactions on the wire whose callers were cancelled.
    private var cancelled = Set<ObjectIdentifier>()
    /// Groups sent (also in the metrics, with the transactions in them), for tests.
    private(set) var groupsSent = 0

    init(pool: PGPool, logger: Logger, maxGroups: Int = 1, maxGroupSize: Int = 64, lockTimeout: Duration = .seconds(5))
    {
        self.pool = pool
        self.logger = logger
        self.maxGroups = max(1, maxGroups)
        self.maxGroupSize = max(1, maxGroupSize)
        self.lockTimeout = lockTimeout
    }

    /// Runs `statements` as one transaction, in the next group. Throws the statement's error
    /// if the transaction failed (it rolled back), `CancellationError` if the caller was
    /// cancelled before it committed, or the connection's error if the group was lost (whether
    /// it committed is then unknown, as for any COMMIT whose answer is lost).
    nonisolated func commit(_ statements: [PGStatement]) async throws {
        // The handler is installed here, outside the actor: installed inside, it cost the
        // group commit about 12 % of its drain rate (counter 2 × 10, side by side).
        let ticket = CommitTicket()
        try await withTaskCancellationHandler {
            try await enqueue(statements, ticket)
        } onCancel: {
            ticket.cancel()
            Task { await self.cancel(ticket.id) }
        }
    }

    private func enqueue(_ statements: [PGStatement], _ ticket: CommitTicket) async throws {
        let id = ticket.id
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            // Cancelled before it reached the queue: `cancel` found nothing to do.
            if ticket.isCancelled { return continuation.resume(throwing: CancellationError()) }
            pending.append(Entry(id: id, statements: statements, continuation: continuation))
            sendIfFree()
        }
    }

    private func cancel(_ id: ObjectIdentifier) {
        if let index = pending.firstIndex(where: { $0.id == id }) {
            pending.remove(at: index).continuation.resume(throwing: CancellationError())
        } else if let flightID = flights.first(where: { $0.value.ids.contains(id) })?.key {
            cancelled.insert(id)
            flights[flightID]?.cancelIssued = true
            // Off the actor and off Swift's cooperative threads: a cancel request is a blocking
            // connection of its own to the server.
            if let line = flights[flightID]?.connection { DispatchQueue.global().async { line.cancel() } }
        } // else it already ended

    }

    private func sendIfFree() {
        while flights.count < maxGroups && !pending.isEmpty {
            let group = Array(pending.prefix(maxGroupSize))
            pending.removeFirst(group.count)
            let flightID = group[0].id
            let flight = Flight(ids: Set(group.map(\.id)))
            flights[flightID] = flight
            groupsSent += 1
            QueueMetrics.groupSent(transactions: group.count)
            // Detached: the group outlives any one job's task, which may be cancelled.
            Task.detached { [pool, lockTimeout, line = flight.connection] in
                let outcomes: Result<[PGGroupOutcome], any Error>
                do {
                    let transactions = group.map(\.statements)
                    outcomes = .success(
                        try await pool.withConnection { connection in
                            line.board(connection)
                            // Before the pool lends the connection on: a late cancel must not hit its next user.
                            defer { line.land() }
                            return try await connection.run {
                                try $0.commitGroup(transactions, lockTimeout: lockTimeout)
                            }
                        })
                } catch {
                    outcomes = .failure(error)
                }
                await self.finished(flightID, group, outcomes)
            }
        }
    }

    private func finished(
        _ flightID: ObjectIdentifier, _ group: [Entry], _ outcomes: Result<[PGGroupOutcome], any Error>
    ) {
        let cancelIssued = flights.removeValue(forKey: flightID)?.cancelIssued ?? false
        switch outcomes {
        case .failure(let error):
            logger.warning("group commit failed", metadata: ["transactions": "\(group.count)", "error": "\(error)"])
            for entry in group {
                cancelled.remove(entry.id)
                entry.continuation.resume(throwing: error)
            }
        case .success(let outcomes):
            var again: [Entry] = []
            for (var entry, outcome) in zip(group, outcomes) {
                let callerCancelled = cancelled.remove(entry.id) != nil
                switch outcome {
                case .committed:
                    entry.continuation.resume()
                case .failed(let error) where error.sqlState == "57014" && cancelIssued && !callerCancelled:
                    again.append(entry) // cancelled for another job's sake
                case .failed(let error):
                    entry.continuation.resume(throwing: error)
                case .notRun where callerCancelled:
                    entry.continuation.resume(throwing: CancellationError())
                case .notRun where entry.sentBack > maxGroupSize:
                    entry.continuation.resume(
                        throwing: PGError(
                            .unexpected,
                            """
                            a write-only job's transaction came back not run \(entry.sentBack) times \
                            (skipped behind failing ones, or a statement the server kept forgetting)
                            """
                        ))
                case .notRun:
                    entry.sentBack += 1
                    again.append(entry)
                }
            }
            // Skipped behind a failure: first in line for the next group, in their order.
            pending.insert(contentsOf: again, at: 0)
        }
        sendIfFree()
    }
}

/// The connection a group is on, while it is on it. A lock, not the actor, guards it, so that
/// boarding and landing cost the group no hop to the actor.
final class FlightConnection: @unchecked Sendable {
    private let lock = NSLock()
    private var connection: PGConnection?
    private var cancelRequested = false

    private var cancelSent = false

    /// A cancel that came while the group waited for its connection is sent shortly after
    /// boarding, from a GCD thread: sent at once, it would reach the server before the group's
    /// first statement and be ignored. Should it still miss, the group ends when whatever it
    /// waits for does (at most the lock timeout).
    func board(_ connection: PGConnection) {
        let pending = lock.withLock {
            self.connection = connection
            return cancelRequested
        }
        if pending { DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) { self.cancel() } }
    }

    func land() { lock.withLock { connection = nil } }

    /// One cancel per group: the statement it stops aborts the rest of the group's pipeline, so a
    /// second could only land on the ROLLBACK or the closing flush. Blocks (a connection of its
    /// own to the server): call it off Swift's cooperative threads.
    func cancel() {
        lock.withLock {
            cancelRequested = true
            if let connection { sendCancel(connection) }
        }
    }

    private func sendCancel(_ connection: PGConnection) {
        guard !cancelSent else { return }
        cancelSent = true
        connection.cancelRunningStatement()
    }
}

/// One `commit` call: its identity in the queue, and whether its caller was cancelled.
final class CommitTicket: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    var id: ObjectIdentifier { ObjectIdentifier(self) }
    var isCancelled: Bool { lock.withLock { cancelled } }
    func cancel() { lock.withLock { cancelled = true } }
}
