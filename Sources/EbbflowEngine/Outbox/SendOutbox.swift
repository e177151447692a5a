// The outbox of decided sends: a mail integration claims pending ones in batches, each handed over once.
import EbbflowCore
import Foundation
import PostgresClient

/// A send handed to the integration that delivers it.
public struct HandedOverSend: Sendable, Equatable {
    public var id: Int64
    public var externalID: String
    public var email: String?
    public var flow: String
    public var step: Int
    public var template: String
    public var channel: String
    public var at: Date
    /// `html` or `plain`.
    public var format: String
    /// What the template is filled with (for reactivation emails, the last known activity).
    public var variables: PGJSON
}

/// Why an outbox: ebbflow decides who gets which message and when, in the transaction that
/// re-checks the contact; it does not speak SMTP. The decided send is a row written in that
/// transaction, and an integration claims rows later. `FOR UPDATE SKIP LOCKED` lets several
/// integration processes claim at once without taking the same row; marking a row handed over
/// in the claiming statement means each is handed over once (the transactional-outbox pattern).
/// An integration that crashes after the claim must re-deliver from its own log: the outbox's
/// guarantee is at-most-once hand-over, so a send is never mailed twice by ebbflow's doing.
public struct SendOutbox: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Claims up to `limit` pending sends due by the database clock, oldest first, and marks them handed over.
    public func next(limit: Int, on connection: isolated PGConnection) throws -> [HandedOverSend] {
        guard limit > 0 else { return [] }
        return try connection.query(OutboxSQL(schema: schema).claimSends, [limit]).rows.map { row in
            HandedOverSend(
                id: try row.decode("id"), externalID: try row.decode("external_id"), email: try row.decode("email"),
                flow: try row.decode("flow"), step: try row.decode("step"), template: try row.decode("template"),
                channel: try row.decode("channel"), at: try row.decode("at"), format: try row.decode("format"),
                variables: try row.decode("variables"))
        }
    }
}
