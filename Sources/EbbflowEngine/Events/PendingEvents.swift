// Applies events that arrived without `ebbflow events import`: rows another system inserted.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// A polling job, run every minute by the installed `apply_pending_events` schedule: the safety
/// net behind the `apply_events` jobs of the insert trigger. It first links events to contacts
/// by external id (so an event that came before its contact is applied once the contact
/// exists; the trigger made no job for it), then applies up to `batch` pending events, each
/// exactly once: `EventApplier` locks the events and skips any another worker applied meanwhile.
/// A full batch enqueues the next one in the same transaction.
public struct ApplyPendingEventsJob: TransactionalJobHandler {
    public struct Args: Codable, Sendable {
        public var batch: Int?
        public init(batch: Int? = nil) { self.batch = batch }
    }
    public static let kind = "apply_pending_events"
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    public func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome
    {
        let batch = job.args.batch ?? 1_000
        let sql = EventSQL(schema: schema)
        try connection.execute(sql.linkUnlinkedEvents)
        let ids: [Int64] = try connection.query(sql.pendingEvents, [batch]).rows.map { try $0.decode("id") }
        let policies = try PolicyStore(schema: schema).load(on: connection)
        try EventApplier(schema: schema).apply(eventIDs: ids, policies: policies, now: context.now, on: connection)
        if ids.count == batch {
            try context.store.enqueue(
                try NewJob(kind: Self.kind, encoding: job.args, queue: job.row.queue), on: connection)
        }
        return .completed
    }
}
