// One contact's state without its history: what `contacts show` prints first and the dashboard's contact page heads with.
import EbbflowCore
import Foundation
import PostgresClient

/// Why apart from the history: the dashboard pages a contact's history (`ContactTimelinePage`)
/// and must not read all of it to show who the contact is; two indexed reads (the unique
/// external id, the membership's key) give this at any history's size.
public struct ContactHeader: Sendable {
    public var id: Int64
    /// Its score decayed to the database clock's now.
    public var contact: ContactSummary
    public var reactivationCycle: Int
    /// The stream the contact is in, and since when; nil when none.
    public var stream: (name: String, since: Date)?
    /// The attributes as stored (a JSON object).
    public var attributes: PGJSON
    public var suppressionReason: String?
    /// The database clock when it was read.
    public var now: Date
}

extension ContactStore {
    /// The contact with external id `externalID` (the unique index), or nil.
    public func header(externalID: String, policies: PolicyDocument, on connection: isolated PGConnection) throws
        -> ContactHeader?
    {
        guard
            let row = try connection.query(
                """
                SELECT c.id, c.external_id, c.email, c.segment, c.campaign_status::text AS status, c.engagement_score,
                       c.last_engagement_at, c.score_as_of, c.reactivation_cycle, c.channel, c.attributes,
                       c.suppression_reason, \(identifier: schema.qualified("clock_now"))() AS now
                FROM \(identifier: schema.qualified("contacts")) c WHERE c.external_id = \(bind: externalID)
                """
            ).first
        else { return nil }
        let id: Int64 = try row.decode("id")
        let segment: String = try row.decode("segment")
        let last: Date? = try row.decode("last_engagement_at")
        let now: Date = try row.decode("now")
        let score = policies.policy(for: segment).decay.score(
            try row.decode("engagement_score"), asOf: try row.decode("score_as_of"), lastEngagement: last, now: now)
        let stream = try connection.query(StreamSQL(schema: schema).membershipOf, [id]).first.map {
            (name: try $0.decode("stream", as: String.self), since: try $0.decode("entered_at", as: Date.self))
        }
        return ContactHeader(
            id: id,
            contact: ContactSummary(
                externalID: try row.decode("external_id"), email: try row.decode("email"), segment: segment,
                status: CampaignStatus(rawValue: try row.decode("status")) ?? .active, engagementScore: score,
                lastEngagementAt: last, channel: try row.decode("channel")),
            reactivationCycle: try row.decode("reactivation_cycle"), stream: stream,
            attributes: try row.decode("attributes"), suppressionReason: try row.decode("suppression_reason"), now: now)
    }
}
