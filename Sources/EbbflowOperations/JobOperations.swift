// Jobs for both front doors: keyset pages of the list, one job in full, and retry or cancel of one job.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// `jobs list|show|retry ID|cancel ID` and `GET /v1/jobs`, `GET /v1/jobs/{id}`,
/// `POST /v1/jobs/{id}/retry`, `POST /v1/jobs/{id}/cancel`.
public struct JobOperations: Sendable {
    public let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// The states a job can be listed by.
    public static let states = [
        "scheduled", "available", "running", "retryable", "completed", "discarded", "cancelled",
    ]
    public static let defaultLimit = 100
    /// The largest page the API serves (the CLI passes its own, larger, bound).
    public static let maximumLimit = 1_000

    /// A job id written as text (a path segment): a positive whole number, else `invalid` naming `id`.
    public static func id(_ text: String) throws(OperationError) -> Int64 {
        try OperationInput.id(text, of: "job")
    }

    /// Checks a state filter: nil or one of `states`, naming `state`.
    public static func state(_ state: String?) throws(OperationError) -> String? {
        try OperationInput.state(state, in: states)
    }

    /// Checks a page size: `defaultLimit` when nil, else 1...`maximum`, naming `limit`.
    public static func limit(_ limit: Int?, maximum: Int = maximumLimit) throws(OperationError) -> Int {
        try OperationInput.limit(limit, defaultLimit: defaultLimit, maximum: maximum)
    }

    /// One page of jobs, newest first (by id), filtered by state, queue and kind. Items are the
    /// objects of `jobs list --json`; `cursor` is a page's `nextCursor`.
    public func list(
        state: String?, queue: String?, kind: String?, cursor: String? = nil, limit: Int? = nil,
        maximumLimit: Int = JobOperations.maximumLimit, on database: PGConnection
    ) async throws -> Page<JobRow> {
        let state = try Self.state(state)
        let limit = try Self.limit(limit, maximum: maximumLimit)
        let before = try cursor.map { cursor throws(OperationError) in
            guard let id = Int64(try PageCursor.key(cursor, list: .jobs)), id > 0 else {
                throw OperationError.invalid(
                    "cursor \"\(cursor.prefix(64))\" is not a cursor this list returned; start again without one",
                    field: "cursor")
            }
            return id
        }
        let store = JobStore(schema: schema)
        // One row more than asked says whether a next page exists without a count. One snapshot
        // for both tables: a job that finishes (or is retried) between a read of `jobs` and one
        // of `finished_jobs` would otherwise be listed twice on a page, or not at all.
        var rows = try await database.withTransaction(PGTransactionOptions(isolation: .repeatableRead, readOnly: true))
        {
            try store.list(state: state, queue: queue, kind: kind, before: before, limit: limit + 1, on: $0)
        }
        let more = rows.count > limit
        if more { rows.removeLast(rows.count - limit) }
        return Page(
            rows: rows, items: rows.map(Self.document),
            nextCursor: more ? rows.last.map { PageCursor.make(.jobs, key: String($0.id)) } : nil, key: "jobs")
    }

    /// One job, unfinished or finished: args, timings and every attempt's error.
    public func show(id: Int64, on database: PGConnection) async throws -> Shown<JobRow> {
        let store = JobStore(schema: schema)
        guard let row = try await database.run({ try store.find(id, on: $0) }) else {
            throw OperationError.from(QueueError.notFound(id))
        }
        return Shown(model: row, document: Self.document(row))
    }

    /// Puts one discarded or cancelled job back in the queue, in one transaction. `notFound`
    /// for an unknown id; `conflict` for a job in another state, or whose unique key an
    /// unfinished job holds.
    @discardableResult
    public func retry(id: Int64, on database: PGConnection) async throws -> ActionOutcome {
        let store = JobStore(schema: schema)
        do {
            let moved = try await database.withTransaction { connection in
                guard let job = try store.find(id, on: connection) else { throw QueueError.notFound(id) }
                guard ["discarded", "cancelled"].contains(job.state) else {
                    throw QueueError.wrongState(id, job.state, "retry")
                }
                let moved = try store.retryFinished([id], on: connection)
                if moved.isEmpty, let key = job.uniqueKey,
                    let holder = try store.holder(ofUniqueKey: key, on: connection)
                {
                    throw OperationError.conflict(
                        "job \(id) was not retried: its unique key \"\(key)\" is held by unfinished job \(holder)")
                }
                return moved
            }
            return ActionOutcome(
                "requeued \(moved.count) job(s)", ["id": .integer(id), "requeued": .array(moved.map { .integer($0) })])
        } catch let error as QueueError {
            throw OperationError.from(error)
        }
    }

    /// Cancels one job that has not started, in one transaction. `notFound` for an unknown id;
    /// `conflict` for a running or finished job.
    @discardableResult
    public func cancel(id: Int64, on database: PGConnection) async throws -> ActionOutcome {
        let store = JobStore(schema: schema)
        do {
            try await database.withTransaction { try store.cancel(id, on: $0) }
        } catch let error as QueueError {
            throw OperationError.from(error)
        }
        return ActionOutcome("cancelled job \(id)", ["id": .integer(id), "state": "cancelled"])
    }

    /// A job as `jobs show --json` and each item of `jobs list --json` print it; `args` stays a
    /// JSON object, not a string.
    public static func document(_ row: JobRow) -> JSONDocument {
        var object: [String: JSONDocument] = [
            "id": .integer(row.id), "state": .string(row.state), "queue": .string(row.queue), "kind": .string(row.kind),
            "args": JSONDocument(parsing: row.args.bytes) ?? .null,
            "priority": .whole(row.priority), "attempt": .whole(row.attempt), "max_attempts": .whole(row.maxAttempts),
            "run_at": .time(row.runAt), "created_at": .time(row.createdAt),
            "errors": .array(
                row.errors.map {
                    [
                        "at": .time($0.at), "attempt": .whole($0.attempt), "kind": .string($0.kind.rawValue),
                        "message": .string($0.message),
                    ]
                }),
        ]
        if let attemptedAt = row.attemptedAt { object["attempted_at"] = .time(attemptedAt) }
        if let finishedAt = row.finishedAt { object["finished_at"] = .time(finishedAt) }
        if let worker = row.lockedBy { object["worker"] = .string(worker) }
        if let key = row.uniqueKey { object["unique_key"] = .string(key) }
        return .object(object)
    }
}
