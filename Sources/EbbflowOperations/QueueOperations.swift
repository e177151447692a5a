// Queues for both front doors: the list with counts and limits, and setting or clearing a queue's rate limit.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// `queues list|limit QUEUE --rate N/s|--clear` and `GET /v1/queues`,
/// `PUT|DELETE /v1/queues/{queue}/limit`.
public struct QueueOperations: Sendable {
    public let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// A queue name from the caller, checked like every enqueue's (`QueueName`), naming `field`.
    public static func queue(_ name: String, field: String = "queue") throws(OperationError) -> String {
        do { try QueueName.check(name, field: field) } catch { throw .invalid(error.description, field: field) }
        return name
    }

    /// A rate as written (`14/s`, `600/m`), naming `field`.
    public static func rate(_ text: String, field: String = "rate") throws(OperationError) -> QueueRate {
        do { return try QueueRate(parsing: text, field: field) } catch {
            throw .invalid(error.description, field: field)
        }
    }

    /// Every queue with unfinished jobs, a limit or a live worker; the document is the array of
    /// `queues list --json`.
    public func list(on database: PGConnection) async throws -> Shown<[QueueSummary]> {
        let store = JobStore(schema: schema)
        let rows = try await database.run { try store.queues(on: $0) }
        return Shown(model: rows, document: .array(rows.map(Self.document)))
    }

    /// Limits `queue` to `rate`, replacing any limit it had; running workers apply it at their next claim.
    @discardableResult
    public func limit(queue: String, rate: QueueRate, on database: PGConnection) async throws -> ActionOutcome {
        let store = JobStore(schema: schema)
        let created = try await database.run { try store.setLimit(queue, rate: rate, on: $0) }
        return ActionOutcome(
            "queue \(queue) limited to \(rate) (\(created ? "new limit" : "replaced its limit"))",
            ["queue": .string(queue), "rate": .string(rate.description), "created": .bool(created)])
    }

    /// Removes `queue`'s limit. A queue without one is not an error: the outcome says so.
    @discardableResult
    public func clear(queue: String, on database: PGConnection) async throws -> ActionOutcome {
        let store = JobStore(schema: schema)
        let removed = try await database.run { try store.clearLimit(queue, on: $0) }
        return ActionOutcome(
            removed ? "queue \(queue) no longer limited" : "queue \(queue) had no limit",
            ["queue": .string(queue), "removed": .bool(removed)])
    }

    /// A queue as `queues list --json` prints it.
    static func document(_ row: QueueSummary) -> JSONDocument {
        var object: [String: JSONDocument] = [
            "queue": .string(row.name), "due": .whole(row.due), "later": .whole(row.later),
            "running": .whole(row.running), "retryable": .whole(row.retryable), "workers": .whole(row.workers),
            "limit": .null,
        ]
        if let limit = row.limit {
            object["limit"] = [
                "rate": .string(limit.rate.description), "jobs": .whole(limit.rate.jobs),
                "per": .string(limit.rate.period == .second ? "second" : "minute"),
                "burst": .number(limit.burst), "tokens": .number((limit.tokens * 100).rounded() / 100),
            ]
        }
        return .object(object)
    }
}
