// One send as `sends list` shows it: where it is in its lifecycle, and why.
import EbbflowCore
import Foundation
import PostgresClient

/// A send of the outbox in any state, for reading (`sends list`, `GET /v1/sends`): reading
/// claims nothing.
public struct OutboxEntry: Sendable, Equatable {
    public var id: Int64
    public var externalID: String
    public var email: String?
    public var flow: String
    public var step: Int
    public var template: String
    public var templateVersion: Int?
    public var channel: String
    public var format: String
    /// When it was decided.
    public var at: Date
    /// pending, leased, sent, failed, dead or cancelled.
    public var state: String
    public var attempts: Int
    public var notBefore: Date?
    public var leaseExpiresAt: Date?
    public var sentAt: Date?
    public var messageID: String?
    public var finishedAt: Date?
    public var cancelReason: String?
    public var lastError: String?
    public var experiment: String?
    public var variant: String?

    /// The states a send can be in, in lifecycle order.
    public static let states = ["pending", "leased", "sent", "failed", "dead", "cancelled"]
}

extension SendOutbox {
    /// Up to `limit` sends with an id above `after`, oldest first, of `state` (nil: any).
    public func list(state: String?, after: Int64, limit: Int, on connection: isolated PGConnection) throws
        -> [OutboxEntry]
    {
        try connection.query(sql.list, [state, after, limit]).rows.map { row in
            OutboxEntry(
                id: try row.decode("id"), externalID: try row.decode("external_id"), email: try row.decode("email"),
                flow: try row.decode("flow"), step: try row.decode("step"), template: try row.decode("template"),
                templateVersion: try row.decode("template_version"), channel: try row.decode("channel"),
                format: try row.decode("format"), at: try row.decode("at"), state: try row.decode("state"),
                attempts: try row.decode("attempts"), notBefore: try row.decode("not_before"),
                leaseExpiresAt: try row.decode("lease_expires_at"), sentAt: try row.decode("sent_at"),
                messageID: try row.decode("message_id"), finishedAt: try row.decode("finished_at"),
                cancelReason: try row.decode("cancel_reason"), lastError: try row.decode("last_error"),
                experiment: try row.decode("experiment"), variant: try row.decode("variant"))
        }
    }
}
