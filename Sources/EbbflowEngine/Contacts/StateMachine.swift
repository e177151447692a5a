// The one place that says which status changes are legal, and for which reasons.

/// A refused status change, naming both ends and the reason asked for.
public struct IllegalTransition: Error, CustomStringConvertible, Sendable, Equatable {
    public var from: CampaignStatus
    public var to: CampaignStatus
    public var reason: TransitionReason
    public var description: String { "illegal transition \(from.rawValue) → \(to.rawValue) (\(reason.rawValue))" }
}

/// The engagement state machine. Every status change in ebbflow goes through `check`, and the
/// SQL that writes transitions takes its statuses and reason from a `StatusChange`
/// (StatusChange.swift), each of which a test checks against this table.
public enum StateMachine {
    /// Legal (from, to) pairs and the reasons each may carry.
    public static let rules: [CampaignStatus: [CampaignStatus: Set<TransitionReason>]] = [
        .active: [
            .engaged: [.scoreThreshold],
            .inactive: [.noEngagementAfterSends, .silence],
            .suppressed: suppressions,
        ],
        .reactivated: [
            .engaged: [.scoreThreshold],
            .active: [.flowEntry],
            .inactive: [.noEngagementAfterSends, .silence],
            .suppressed: suppressions,
        ],
        .engaged: [
            .inactive: [.silence],
            .suppressed: suppressions,
        ],
        .inactive: [
            .reactivated: [.engagedDuringReactivation, .returnedToEmail],
            // Not a status change but a step of the contact's story: the channel moved.
            .inactive: [.movedToChannel],
            .suppressed: suppressions.union([.reactivationExhausted]),
        ],
        .suppressed: [
            .active: [.manualReinstatement, .resubscribed],
            // Not a status change but a step of the story: a suppressed contact that
            // unsubscribes, bounces or complains is recorded, and the stronger reason kept.
            .suppressed: suppressions,
        ],
    ]

    /// The reasons that suppress a contact from any status: consent, deliverability, an
    /// administrator, an erasure.
    public static let suppressions: Set<TransitionReason> = [
        .manualSuppression, .hardBounce, .softBounceLimit, .complaint, .unsubscribed, .forgotten,
    ]

    /// The channel a contact is on after a status change. Why a rule: the alternative channel
    /// (moved_to_channel) belongs to one inactive spell; a contact that becomes active or
    /// reactivated again, by reinstatement or by engaging, is the active audience that flows and
    /// streams mail, so it is on email again. sql/engine/0019 applies the same rule to every statement
    /// that changes `campaign_status`, so no writer can forget it.
    public static func channel(from: CampaignStatus, to: CampaignStatus, current: String) -> String {
        from != to && (to == .active || to == .reactivated) ? "email" : current
    }

    public static func isLegal(from: CampaignStatus, to: CampaignStatus, reason: TransitionReason) -> Bool {
        rules[from]?[to]?.contains(reason) ?? false
    }

    /// Throws `IllegalTransition` unless the change is in `rules`.
    public static func check(from: CampaignStatus, to: CampaignStatus, reason: TransitionReason)
        throws(IllegalTransition)
    {
        guard isLegal(from: from, to: to, reason: reason) else {
            throw IllegalTransition(from: from, to: to, reason: reason)
        }
    }

    /// Whether a sequence of statuses (a contact's history, oldest first) is a legal path.
    public static func isLegalPath(_ steps: [(from: CampaignStatus, to: CampaignStatus, reason: TransitionReason)])
        -> Bool
    {
        for (index, step) in steps.enumerated() {
            if !isLegal(from: step.from, to: step.to, reason: step.reason) { return false }
            if index > 0 && steps[index - 1].to != step.from { return false }
        }
        return true
    }
}
