// Reading contacts for people and scripts: one contact's whole story, or a filtered list.
import EbbflowCore
import Foundation
import PostgresClient

/// A contact as `contacts show` prints it (the stable script contract of the README).
public struct ContactView: Sendable {
    public var externalID: String
    public var email: String?
    public var segment: String
    public var status: CampaignStatus
    /// Decayed to the database clock's now.
    public var engagementScore: Double
    public var lastEngagementAt: Date?
    public var reactivationCycle: Int
    public var channel: String
    public var transitions: [(from: String, to: String, reason: String, at: Date)]
    public var sends: [(flow: String, step: Int, template: String, channel: String, at: Date)]
}

public struct ContactStore: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// One contact with its transitions and sends, oldest first; nil if unknown.
    public func show(externalID: String, policies: PolicyDocument, on connection: isolated PGConnection) throws -> ContactView? {
        guard let row = try connection.query("""
            SELECT c.id, c.external_id, c.email, c.segment, c.campaign_status::text AS status, c.engagement_score,
                   c.last_engagement_at, c.reactivation_cycle, c.channel, \(schema.qualified("clock_now"))() AS now
            FROM \(schema.qualified("contacts")) c WHERE c.external_id = $1
            """, [externalID]).first else { return nil }
        let id: Int64 = try row.decode("id")
        let segment: String = try row.decode("segment")
        let last: Date? = try row.decode("last_engagement_at")
        let score = policies.policy(for: segment).decay.score(try row.decode("engagement_score"), since: last, now: try row.decode("now"))
        let transitions = try connection.query("""
            SELECT from_status::text AS f, to_status::text AS t, reason, at FROM \(schema.qualified("transitions"))
            WHERE contact_id = $1 ORDER BY id
            """, [id]).rows.map { (try $0.decode("f", as: String.self), try $0.decode("t", as: String.self),
                                   try $0.decode("reason", as: String.self), try $0.decode("at", as: Date.self)) }
        let sends = try connection.query("""
            SELECT flow, step, template, channel, at FROM \(schema.qualified("sends")) WHERE contact_id = $1 ORDER BY at, id
            """, [id]).rows.map { (try $0.decode("flow", as: String.self), try $0.decode("step", as: Int.self),
                                   try $0.decode("template", as: String.self), try $0.decode("channel", as: String.self),
                                   try $0.decode("at", as: Date.self)) }
        return ContactView(
            externalID: try row.decode("external_id"), email: try row.decode("email"), segment: segment,
            status: CampaignStatus(rawValue: try row.decode("status")) ?? .active, engagementScore: score, lastEngagementAt: last,
            reactivationCycle: try row.decode("reactivation_cycle"), channel: try row.decode("channel"),
            transitions: transitions, sends: sends)
    }
}
