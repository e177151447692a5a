// Applies one engagement event to its contact, exactly once, in the caller's transaction.
import EbbflowCore
import Foundation
import PostgresClient

/// What applying an event did.
public struct AppliedEvent: Sendable, Equatable {
    public var contactID: Int64
    public var points: Int
    public var score: Double
    public var from: CampaignStatus
    public var to: CampaignStatus
    public var reason: TransitionReason?
}

/// The rule of one event: add its points to the decayed score, move `last_engagement_at`
/// forward only, and change status through the state machine, writing a transition row.
/// The event row and the contact row are locked together (event first, then contact, the
/// one lock order), and the event is marked applied in the same transaction: exactly once.
public struct EventApplier: Sendable {
    let sql: EngineSQL

    public init(schema: SchemaName) { sql = EngineSQL(schema: schema) }

    /// Applies event `id`; nil if it was applied already or its contact is unknown.
    public func apply(eventID id: Int64, policies: PolicyDocument, now: Date, on connection: isolated PGConnection) throws -> AppliedEvent? {
        guard let row = try connection.query(sql.lockEventAndContact, [id]).first else { return nil }
        let contactID: Int64 = try row.decode("contact_id")
        let policy = policies.policy(for: try row.decode("segment", as: String.self))
        let status = CampaignStatus(rawValue: try row.decode("status", as: String.self)) ?? .active
        let occurredAt: Date = try row.decode("occurred_at")
        let lastEngagement: Date? = try row.decode("last_engagement_at")
        let storedScore: Double = try row.decode("engagement_score")
        let earned = policy.points(for: try row.decode("kind", as: String.self), machineOpen: try row.decode("machine_open")) ?? 0

        // Score as of the newest engagement: an older event adds its points decayed to that
        // moment and leaves the date where it was.
        let newest = max(occurredAt, lastEngagement ?? occurredAt)
        let decayedStored = policy.decay.score(storedScore, since: lastEngagement, now: newest)
        let decayedPoints = policy.decay.score(Double(earned), since: occurredAt, now: newest)
        let score = decayedStored + decayedPoints
        let scoreNow = policy.decay.score(score, since: newest, now: max(now, newest))

        var next = status
        var reason: TransitionReason?
        if earned > 0 {
            switch status {
            case .active, .reactivated:
                if scoreNow >= Double(policy.engagedThreshold) { (next, reason) = (.engaged, .scoreThreshold) }
            case .inactive:
                (next, reason) = (.reactivated, .engagedDuringReactivation)
            case .engaged, .suppressed:
                break
            }
        }
        if let reason { try StateMachine.check(from: status, to: next, reason: reason) }
        try connection.execute(sql.updateContact, [contactID, score, earned > 0 ? newest : lastEngagement, next.rawValue, next != status, now, earned > 0])
        if next == .engaged && status != .engaged { try connection.execute(sql.cancelFlowJobs, [contactID, now]) }
        if let reason {
            try connection.execute(sql.insertTransition, [contactID, status.rawValue, next.rawValue, reason.rawValue, id, Int64?.none, now])
        }
        try connection.execute(sql.markApplied, [id, earned, now])
        return AppliedEvent(contactID: contactID, points: earned, score: score, from: status, to: next, reason: reason)
    }
}
