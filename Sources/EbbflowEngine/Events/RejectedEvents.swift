// Reads the events kept but not applied (unknown kind, dated too far ahead), for `ebbflow events rejected`.
import EbbflowCore
import Foundation
import PostgresClient

/// One rejected event as a person reads it.
public struct RejectedEventView: Sendable {
    public var id: Int64
    public var externalID: String
    public var kind: String
    public var occurredAt: Date
    public var source: String
    public var rejectedAt: Date
    public var reason: String
}

/// Why a store of its own: rejected events are settled (never applied again), so without a
/// way to list them a misspelt kind from another system would vanish without a trace.
public struct RejectedEventStore: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// The newest `limit` rejected events, newest first, optionally of one contact.
    public func list(limit: Int, externalID: String? = nil, on connection: isolated PGConnection) throws
        -> [RejectedEventView]
    {
        try connection.query(
            """
            SELECT id, external_id, kind, occurred_at, source, applied_at, rejection FROM \(schema.qualified("engagement_events"))
            WHERE rejection IS NOT NULL AND ($2::text IS NULL OR external_id = $2)
            ORDER BY id DESC LIMIT $1
            """, [limit, externalID]
        ).rows.map {
            RejectedEventView(
                id: try $0.decode("id"), externalID: try $0.decode("external_id"), kind: try $0.decode("kind"),
                occurredAt: try $0.decode("occurred_at"), source: try $0.decode("source"),
                rejectedAt: try $0.decode("applied_at"), reason: try $0.decode("rejection"))
        }
    }
}
