// A contact's place in the elastic audience, and why it moved there.

/// The five engagement states of a contact.
public enum CampaignStatus: String, Codable, Sendable, CaseIterable {
    /// In the send flow.
    case active
    /// Scored past the threshold: out of the send flow at once.
    case engaged
    /// Silent: cooling down, then in a reactivation cycle. Never deleted.
    case inactive
    /// Engaged during reactivation: back in the active audience.
    case reactivated
    /// No more marketing email.
    case suppressed

    /// Whether a marketing email may go to a contact in this state.
    public var mayReceiveFlowEmail: Bool { self == .active || self == .reactivated }
}

/// Why a contact's status changed; stored on every transition row.
public enum TransitionReason: String, Codable, Sendable, CaseIterable {
    /// The decayed score plus an event's points reached the threshold.
    case scoreThreshold = "score_threshold"
    /// The wait after the last allowed flow send ended with no engagement.
    case noEngagementAfterSends = "no_engagement_after_sends"
    /// The 90-day sweep found no engagement for the policy's number of days.
    case silence
    /// Any engagement while inactive (in cooldown or in the reactivation cycle).
    case engagedDuringReactivation = "engaged_during_reactivation"
    /// A reactivated contact entered a flow again.
    case flowEntry = "flow_entry"
    /// Both reactivation emails went unanswered and the policy suppresses.
    case reactivationExhausted = "reactivation_exhausted"
    /// Both reactivation emails went unanswered and the policy moves the contact to the
    /// alternative channel: the status stays `inactive`; the row records the move.
    case movedToChannel = "moved_to_channel"
    /// A contact moved to the alternative channel engaged, and the policy
    /// (`on_engagement_after_channel_move: return_to_email`, the default) brought it back to
    /// email as `reactivated`.
    case returnedToEmail = "returned_to_email"
    /// An administrator suppressed the contact (`contacts suppress`, with its reason in the
    /// transition's detail).
    case manualSuppression = "manual_suppression"
    /// An administrator put a suppressed contact back (`contacts unsuppress`, with the consent
    /// source in the transition's detail).
    case manualReinstatement = "manual_reinstatement"
    /// A hard bounce: the address does not exist. Suppressed at once.
    case hardBounce = "hard_bounce"
    /// The policy's number of soft bounces within its window (`soft_bounce_limit`).
    case softBounceLimit = "soft_bounce_limit"
    /// A spam complaint: suppressed permanently (a resubscribe does not lift it).
    case complaint
    /// The contact unsubscribed (one-click, a provider, an import or the API).
    case unsubscribed
    /// An explicit resubscribe carrying its consent source lifted an unsubscribe.
    case resubscribed
    /// Erased on request (`contacts forget`): what identified the contact is gone.
    case forgotten
}
