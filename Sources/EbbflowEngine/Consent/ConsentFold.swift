// Folds one consent event (unsubscribe, resubscribe, bounce, complaint, delivered) into a contact's state in a batch.
import Foundation

/// What a consent event did to its contact, as the applier writes it.
struct ConsentOutcome {
    var from: CampaignStatus
    var to: CampaignStatus
    /// The transition's reason; nil when the event changed nothing (no row).
    var reason: TransitionReason?
    /// The transition's detail (a resubscribe's consent source).
    var detail: String?
    /// Set when the event is kept and settled without being applied.
    var rejection: String?
}

extension ContactScoreState {
    /// Applies a consent event through the state machine. Never touches the score, the last
    /// engagement or the unanswered-send count: consent is not engagement. A suppression of a
    /// contact suppressed already is a suppressed → suppressed row (the state machine allows it)
    /// and the contact keeps the stronger reason (`SuppressionStrength`); a soft bounce is
    /// counted in `softBounces` whether or not it reaches the limit.
    mutating func foldConsent(
        _ kind: ConsentKind, at: Date, bounceType: String?, consentSource: String?, policy: EngagementPolicy
    ) throws -> ConsentOutcome {
        let from = status
        let hard = ConsentRules.isHard(bounceType: bounceType)
        var reached = false
        if kind == .bounce && !hard {
            reached = policy.softBounceLimit.isReached(at: at, earlier: softBounces)
            softBounces.append(at)
        }
        let effect = ConsentRules.effect(
            kind: kind, status: status, suppressionReason: suppressionReason, hardBounce: hard,
            softLimitReached: reached, consentSource: consentSource)
        switch effect {
        case .record:
            return ConsentOutcome(from: from, to: from)
        case .reject(let reason):
            return ConsentOutcome(from: from, to: from, rejection: reason)
        case .suppress(let reason):
            guard let change = StatusChange.suppression(reason) else {
                throw IllegalTransition(from: from, to: .suppressed, reason: reason)
            }
            try change.check(from: from)
            suppressionReason =
                from == .suppressed
                ? SuppressionStrength.kept(current: suppressionReason, incoming: reason) : reason.rawValue
            status = .suppressed
            if from != .suppressed { statusChanged = true }
            return ConsentOutcome(from: from, to: .suppressed, reason: reason)
        case .resubscribe(let source):
            let change = StatusChange.resubscribed
            try change.check(from: from)
            status = change.to
            suppressionReason = nil
            // Reinstated with a clean slate: earlier soft bounces no longer count (EventSQL.softBounces).
            softBounces = []
            channel = StateMachine.channel(from: from, to: status, current: channel)
            statusChanged = true
            return ConsentOutcome(from: from, to: status, reason: change.reason, detail: source)
        }
    }
}
