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
actor GroupCommitter {
    private struct Entry {
        var statements: [PGStatement]
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let pool: PGPool
    private let logger: Logger
    /// Groups on the wire at once, each on its own pooled connection. One by default: with two,
    /// the first jobs of a burst leave in groups of one and the drain was slower (4,542 against
    /// 5,690 jobs/s, counter 2 × 10, side by side).
    private let maxGroups: Int
    /// Transactions per group at most: bounds the round trip a job waits behind.
    private let maxGroupSize: Int
    private var pending: [Entry] = []
    private var inFlight = 0
    /// Groups sent and the transactions in them (also in the metrics), for tests and reports.
    private(set) var groupsSent = 0
    private(set) var transactionsSent = 0

    init(pool: PGPool, logger: Logger, maxGroups: Int = 1, maxGroupSize: Int = 64) {
        self.pool = pool
        self.logger = logger
        self.maxGroups = max(1, maxGroups)
        self.maxGroupSize = max(1, maxGroupSize)
    }

    /// Runs `statements` as one transaction, in the next group. Throws the statement's error
    /// if the transaction failed (it rolled back), or the connection's if the group was lost
    /// (whether it committed is then unknown, as for any COMMIT whose answer is lost).
    func commit(_ statements: [PGStatement]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            pending.append(Entry(statements: statements, continuation: continuation))
            sendIfFree()
        }
    }

    private func sendIfFree() {
        while inFlight < maxGroups && !pending.isEmpty {
            let group = Array(pending.prefix(maxGroupSize))
            pending.removeFirst(group.count)
            inFlight += 1
            groupsSent += 1
            transactionsSent += group.count
            QueueMetrics.groupSent(transactions: group.count)
            // Detached: the group outlives any one job's task, which may be cancelled.
            Task.detached { [pool] in
                let outcomes: Result<[PGGroupOutcome], any Error>
                do {
                    let transactions = group.map(\.statements)
                    outcomes = .success(try await pool.withConnection { connection in
                        try await connection.run { try $0.commitGroup(transactions) }
                    })
                } catch {
                    outcomes = .failure(error)
                }
                await self.finished(group, outcomes)
            }
        }
    }

    private func finished(_ group: [Entry], _ outcomes: Result<[PGGroupOutcome], any Error>) {
        inFlight -= 1
        switch outcomes {
        case .failure(let error):
            logger.warning("group commit failed", metadata: ["transactions": "\(group.count)", "error": "\(error)"])
            for entry in group { entry.continuation.resume(throwing: error) }
        case .success(let outcomes):
            var again: [Entry] = []
            for (entry, outcome) in zip(group, outcomes) {
                switch outcome {
                case .committed: entry.continuation.resume()
                case .failed(let error): entry.continuation.resume(throwing: error)
                case .notRun: again.append(entry)
                }
            }
            // Skipped behind a failure: first in line for the next group, in their order.
            pending.insert(contentsOf: again, at: 0)
        }
        sendIfFree()
    }
}
