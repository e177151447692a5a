// Applies events that arrived without `ebbflow events import`: rows another system inserted.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// A polling job, run every minute by the installed `apply_pending_events` schedule. It first
/// links events to contacts by external id (so an event that came before its contact is applied
/// once the contact exists), then applies up to `batch` pending events, each exactly once:
/// `EventApplier` locks the event and skips it if another worker applied it meanwhile.
/// A full batch enqueues the next one in the same transaction.
public struct ApplyPendingEventsJob: TransactionalJobHandler {
    public struct Args: Codable, Sendable {
        public var batch: Int?
        public init(batch: Int? = nil) { self.batch = batch }
    }
    public static let kind = "apply_pending_events"
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    public func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome {
        let batch = job.args.batch ?? 1_000
        let events = schema.qualified("engagement_events")
        try connection.execute("""
            UPDATE \(events) e SET contact_id = c.id FROM \(schema.qualified("contacts")) c
            WHERE e.contact_id IS NULL AND e.applied_at IS NULL AND c.external_id = e.external_id
            """)
        let ids: [Int64] = try connection.query("""
            SELECT id FROM \(events) WHERE applied_at IS NULL AND contact_id IS NOT NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
            """, [batch]).rows.map { try $0.decode("id") }
        let policies = try PolicyStore(schema: schema).load(on: connection)
        let applier = EventApplier(schema: schema)
        for id in ids { _ = try applier.apply(eventID: id, policies: policies, now: context.now, on: connection) }
        if ids.count == batch {
            try context.store.enqueue(try NewJob(kind: Self.kind, encoding: job.args, queue: job.row.queue), on: connection)
        }
        return .completed
    }
}
