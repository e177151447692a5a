// The head of a contact's dashboard page: its state, attributes and stream, in one bounded read (the timeline is paged apart).
import EbbflowCore
import Foundation
import PostgresClient

/// What the contact page shows above the timeline.
public struct ContactHeader: Sendable {
    /// The row id, for `ContactTimelinePage` and `ScoreHistory`.
    public var id: Int64
    /// State now, the score decayed to the database clock's now with its segment's policy.
    public var contact: ContactSummary
    public var suppressionReason: String?
    public var reactivationCycle: Int
    /// The contact's attributes as stored (a JSON object).
    public var attributes: PGJSON
    /// The stream it is in, since when and which version it follows; nil when none.
    public var stream: (name: String, since: Date, version: Int)?
    public var createdAt: Date
    public var statusChangedAt: Date
}

/// Why not `ContactStore.show`: it reads every event, send, transition and decision of the
/// contact; this reads one contact row by `contacts_external_id_key` and its membership by
/// `stream_memberships`' primary key.
public struct ContactHeaders: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// The contact `externalID`, nil if unknown.
    public func read(externalID: String, policies: PolicyDocument, on connection: isolated PGConnection) throws
        -> ContactHeader?
    {
        guard
            let row = try connection.query(
                """
                SELECT c.id, c.external_id, c.email, c.segment, c.campaign_status::text AS status, c.engagement_score,
                       c.last_engagement_at, c.score_as_of, c.reactivation_cycle, c.channel, c.attributes, c.suppression_reason,
                       c.created_at, c.status_changed_at, m.stream, m.entered_at, m.version,
                       \(identifier: schema.qualified("clock_now"))() AS now
                FROM \(identifier: schema.qualified("contacts")) c
                LEFT JOIN \(identifier: schema.qualified("stream_memberships")) m ON m.contact_id = c.id
                WHERE c.external_id = \(bind: externalID)
                """
            ).first
        else { return nil }
        let segment: String = try row.decode("segment")
        let last: Date? = try row.decode("last_engagement_at")
        let score = policies.policy(for: segment).decay.score(
            try row.decode("engagement_score"), asOf: try row.decode("score_as_of"), lastEngagement: last,
            now: try row.decode("now"))
        let stream: (String, Date, Int)? =
            try row.decode("stream", as: String?.self).map {
                ($0, try row.decode("entered_at", as: Date.self), try row.decode("version", as: Int.self))
            }
        return ContactHeader(
            id: try row.decode("id"),
            contact: ContactSummary(
                externalID: try row.decode("external_id"), email: try row.decode("email"), segment: segment,
                status: CampaignStatus(rawValue: try row.decode("status")) ?? .active, engagementScore: score,
                lastEngagementAt: last, channel: try row.decode("channel")),
            suppressionReason: try row.decode("suppression_reason"),
            reactivationCycle: try row.decode("reactivation_cycle"),
            attributes: try row.decode("attributes"), stream: stream.map { (name: $0.0, since: $0.1, version: $0.2) },
            createdAt: try row.decode("created_at"), statusChangedAt: try row.decode("status_changed_at"))
    }
}
