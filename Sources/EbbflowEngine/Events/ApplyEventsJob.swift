// Applies events other systems inserted, as the `apply_events` jobs the insert trigger makes.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// One job per inserting statement and 1,000 consecutive event ids (see sql/engine/0006). A chunk
/// kind: many such jobs claimed together are applied in one transaction with one set-based
/// `EventApplier` call, so a webhook stream of single events costs a handful of statements
/// per chunk, not per event. A range may hold events already applied (by `events import`,
/// or a re-run after a crash): the applier skips them, so every event counts once.
public struct ApplyEventsJob: ChunkJobHandler {
    public struct Args: Codable, Sendable {
        public var firstID: Int64
        public var lastID: Int64
        public init(firstID: Int64, lastID: Int64) {
            self.firstID = firstID
            self.lastID = lastID
        }
        enum CodingKeys: String, CodingKey { case firstID = "first_id", lastID = "last_id" }
    }
    public static let kind = "apply_events"
    /// Jobs per chunk. A job holds 1 to 1,000 events (a webhook's row or a slice of a COPY), so
    /// 10 jobs keep a transaction under 10,000 events: measured with 2 workers on a 200,000-event
    /// COPY, chunks of 50 jobs (50,000 events) made the workers wait on each other's contact
    /// locks and applied about 17 % fewer events per second (26,111 vs 31,354).
    public let chunkSize = 10
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    public func run(_ jobs: [Job<Args>], context: JobContext, connection: isolated PGConnection) async throws {
        let sql = EventSQL(schema: schema)
        let ids: [Int64] = try connection.query(
            sql.pendingEventsInRanges, [jobs.map(\.args.firstID), jobs.map(\.args.lastID)]
        )
        .rows.map { try $0.decode("id") }
        guard !ids.isEmpty else { return }
        let policies = try PolicyStore(schema: schema).load(on: connection)
        try EventApplier(schema: schema).apply(eventIDs: ids, policies: policies, now: context.now, on: connection)
    }
}
