// Rate limits of queues: set, clear and list them (the claim enforces them, see QueueSQL.claim).
import EbbflowCore
import Foundation
import PostgresClient

extension JobStore {
    /// Limits `queue` to `rate` jobs started, across every worker; replaces a limit it had.
    /// Running workers apply it at their next claim after the NOTIFY this sends reaches them
    /// (`QueueLimitWatch`; within one poll interval without it). Returns whether the queue had
    /// no limit before.
    @discardableResult
    public func setLimit(_ queue: String, rate: QueueRate, on connection: isolated PGConnection) throws -> Bool {
        try QueueName.check(queue)
        let row = try connection.query(
            sql.setLimit, [queue, rate.jobs, rate.period.rawValue, sql.channel, QueueLimitWatch.payload(queue)]
        )
        .first!
        return try row.decode("created")
    }

    /// Removes `queue`'s limit; false when it had none.
    @discardableResult
    public func clearLimit(_ queue: String, on connection: isolated PGConnection) throws -> Bool {
        try QueueName.check(queue)
        return try !connection.query(sql.clearLimit, [queue, sql.channel, QueueLimitWatch.payload(queue)]).rows.isEmpty
    }

    /// The queues among `queues` that have a limit: a worker meters only claims that name one.
    public func limitedQueues(among queues: [String], on connection: isolated PGConnection) throws -> Set<String> {
        try Set(connection.query(sql.limitedQueues, [queues]).rows.map { try $0.decode("queue", as: String.self) })
    }

    /// Every queue with unfinished jobs, a limit or a live worker, by name.
    public func queues(on connection: isolated PGConnection) throws -> [QueueSummary] {
        try connection.query(sql.queueSummaries).rows.map { row in
            var limit: QueueSummary.Limit?
            if let jobs: Int = try row.decode("limit_jobs") {
                let period = try QueueRate.Period(rawValue: row.decode("limit_period")) ?? .second
                limit = QueueSummary.Limit(
                    rate: try QueueRate(jobs: jobs, per: period), burst: try row.decode("limit_burst"),
                    tokens: try row.decode("limit_tokens"))
            }
            return QueueSummary(
                name: try row.decode("queue"), due: try row.decode("due"), later: try row.decode("later"),
                running: try row.decode("running"), retryable: try row.decode("retryable"),
                workers: try row.decode("workers"), limit: limit)
        }
    }
}

/// One queue as `queues list` shows it.
public struct QueueSummary: Sendable {
    /// A queue's limit and its bucket now.
    public struct Limit: Sendable {
        public var rate: QueueRate
        /// The most tokens the bucket holds: jobs that may start at once after a quiet spell.
        public var burst: Double
        /// Tokens in the bucket now, by the database clock.
        public var tokens: Double
    }

    public var name: String
    /// Unfinished jobs due now and not running (available, or scheduled/retryable whose time has come).
    public var due: Int
    /// Scheduled or retryable jobs due later.
    public var later: Int
    public var running: Int
    /// Of the due and later ones, those waiting after a failed attempt.
    public var retryable: Int
    /// Live workers that claim from it.
    public var workers: Int
    public var limit: Limit?
}
