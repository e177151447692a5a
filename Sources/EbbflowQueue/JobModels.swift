// The values the queue deals in: a job as stored, a job to enqueue, an attempt's error, an outcome.
import EbbflowCore
import Foundation
import PostgresClient

/// A job's row, unfinished (in `jobs`) or finished (in `finished_jobs`).
public struct JobRow: Sendable {
    public var id: Int64
    public var state: String
    public var queue: String
    public var kind: String
    public var args: PGJSON
    public var priority: Int
    public var runAt: Date
    public var attempt: Int
    public var maxAttempts: Int
    public var errors: [JobError]
    public var uniqueKey: String?
    public var createdAt: Date
    public var attemptedAt: Date?
    public var lockedBy: String?
    public var finishedAt: Date?

    init(_ row: PGRow, finished: Bool = false) throws {
        id = try row.decode("id")
        state = try row.decode("state")
        queue = try row.decode("queue")
        kind = try row.decode("kind")
        args = try row.decode("args")
        priority = try row.decode("priority")
        runAt = try row.decode("run_at")
        attempt = try row.decode("attempt")
        maxAttempts = try row.decode("max_attempts")
        errors = (try? row.decodeJSON("errors", as: [JobError].self)) ?? []
        uniqueKey = try row.decode("unique_key")
        createdAt = try row.decode("created_at")
        attemptedAt = try row.decode("attempted_at")
        lockedBy = finished ? try row.decode("finished_by") : try row.decode("locked_by")
        finishedAt = finished ? try row.decode("finished_at") : nil
    }
}

/// What went wrong in one attempt; every attempt's error is kept on the job.
public struct JobError: Codable, Sendable, Equatable {
    /// Why the attempt failed, for filtering and alerts.
    public enum Kind: String, Codable, Sendable {
        case error, timeout, unknownKind = "unknown_kind", undecodableArgs = "undecodable_args"
        case leaseExpired = "lease_expired", discarded, lostLease = "lost_lease"
    }
    public var at: Date
    public var attempt: Int
    public var kind: Kind
    public var message: String

    public init(at: Date, attempt: Int, kind: Kind, message: String) {
        self.at = at
        self.attempt = attempt
        self.kind = kind
        self.message = message
    }
}

/// A job to enqueue.
public struct NewJob: Sendable {
    public var kind: String
    public var args: PGJSON
    public var queue: String
    public var priority: Int
    /// When to run; nil means now (by the database clock) plus `delay`.
    public var runAt: Date?
    /// Seconds from now, used when `runAt` is nil.
    public var delay: Double
    public var maxAttempts: Int
    /// While a job with this key is unfinished, enqueueing another returns the existing one.
    public var uniqueKey: String?
    /// What the job is about (a contact, say), so jobs can be cancelled by it
    /// (`JobStore.cancelPending`); the queue only compares it.
    public var subject: String?

    public init(
        kind: String, args: PGJSON = PGJSON("{}"), queue: String = "default", priority: Int = 0,
        runAt: Date? = nil, delay: Double = 0, maxAttempts: Int = 20, uniqueKey: String? = nil, subject: String? = nil
    ) {
        self.kind = kind
        self.args = args
        self.queue = queue
        self.priority = priority
        self.runAt = runAt
        self.delay = delay
        self.maxAttempts = maxAttempts
        self.uniqueKey = uniqueKey
        self.subject = subject
    }

    /// A job whose args are an `Encodable` value.
    public init<Args: Encodable>(
        kind: String, encoding args: Args, queue: String = "default", priority: Int = 0,
        runAt: Date? = nil, delay: Double = 0, maxAttempts: Int = 20, uniqueKey: String? = nil,
        subject: String? = nil
    ) throws {
        self.init(
            kind: kind, args: try PGJSON(encoding: args), queue: queue, priority: priority, runAt: runAt,
            delay: delay, maxAttempts: maxAttempts, uniqueKey: uniqueKey, subject: subject)
    }

    /// Refuses values the table would refuse, with a message a CLI user can act on.
    func validate() throws {
        guard !kind.isEmpty else { throw QueueError.invalid("job kind is empty") }
        guard !queue.isEmpty else { throw QueueError.invalid("queue name is empty") }
        try QueueName.check(queue)
        guard (1...Int(Int16.max)).contains(maxAttempts) else {
            throw QueueError.invalid("max attempts must be 1...32767, got \(maxAttempts)")
        }
        guard (Int(Int16.min)...Int(Int16.max)).contains(priority) else {
            throw QueueError.invalid("priority must fit in a smallint, got \(priority)")
        }
        guard delay >= 0, delay.isFinite else {
            throw QueueError.invalid("delay must be zero or positive, got \(delay)")
        }
        if let runAt, runAt < ISO8601Text.earliestRunAt {
            throw QueueError.invalid(
                "run time \(ISO8601Text.string(runAt)) is before 0001-01-01T00:00:00Z, the earliest run time")
        }
    }
}

/// What an enqueue did.
public struct EnqueueResult: Sendable, Equatable {
    public var id: Int64
    /// False when a unique key matched an unfinished job, whose id this is.
    public var inserted: Bool
}

/// How a handler's run ended.
public enum JobOutcome: Sendable, Equatable {
    case completed
    /// Run again after this many seconds, using an attempt.
    case retry(after: Double)
    /// Run again after this many seconds without using an attempt.
    case snooze(Double)
    /// Give up now.
    case discard(reason: String)
}

/// A claimed job with its arguments decoded.
public struct Job<Args: Sendable>: Sendable {
    public let row: JobRow
    public let args: Args
    public var id: Int64 { row.id }
    public var attempt: Int { row.attempt }
}

/// Errors of the queue layer that a user or operator sees.
public enum QueueError: Error, CustomStringConvertible, Sendable {
    case invalid(String)
    case notFound(Int64)
    case wrongState(Int64, String, String)
    case lostLease(Int64)

    public var description: String {
        switch self {
        case .invalid(let message): message
        case .notFound(let id): "no job with id \(id)"
        case .wrongState(let id, let state, let action): "job \(id) is \(state); cannot \(action) it"
        case .lostLease(let id): "job \(id) is no longer held by this worker (its lease expired and it was rescued)"
        }
    }
}
