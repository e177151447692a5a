// What each status-changing SQL statement may write, declared once from the state machine's own values.

/// One status change as an SQL statement writes it: from which statuses, to which, and why.
///
/// Why: SQL that changes `campaign_status` for many contacts at once cannot call
/// `StateMachine.check` per row, and a status typed into its text copies the transition table
/// with nothing tying the two. So every such statement takes its statuses and reason from one
/// of these values (the literals are made from the Swift enums, never typed into SQL), every
/// value is listed in `all`, and a test proves each is legal in `StateMachine`.
public struct StatusChange: Sendable, Hashable {
    public let from: [CampaignStatus]
    public let to: CampaignStatus
    public let reason: TransitionReason

    public init(from: [CampaignStatus], to: CampaignStatus, reason: TransitionReason) {
        self.from = from
        self.to = to
        self.reason = reason
    }

    /// Every (from, to, reason) triple a statement of this change can write.
    public var transitions: [(from: CampaignStatus, to: CampaignStatus, reason: TransitionReason)] {
        from.map { ($0, to, reason) }
    }

    /// Whether `StateMachine` allows every transition of this change.
    public var isLegal: Bool {
        transitions.allSatisfy { StateMachine.isLegal(from: $0.from, to: $0.to, reason: $0.reason) }
    }

    /// Throws `IllegalTransition` for `status` unless this change may start from it.
    public func check(from status: CampaignStatus) throws(IllegalTransition) {
        guard from.contains(status) else { throw IllegalTransition(from: status, to: to, reason: reason) }
        try StateMachine.check(from: status, to: to, reason: reason)
    }
}

extension StatusChange {
    /// The inactivity sweep: no engagement for `inactive_after_days` (Passes/InactivitySweep.swift).
    public static let silence = StatusChange(from: [.active, .engaged, .reactivated], to: .inactive, reason: .silence)
    /// The wait after a flow's last send ended unanswered (Flows/FlowSQL.swift `flowEndsInactive`).
    public static let flowEndsUnanswered = StatusChange(from: [.active], to: .inactive, reason: .noEngagementAfterSends)
    /// A reactivated contact's flow step sends again (Flows/FlowSQL.swift `reenterActive`).
    public static let flowEntry = StatusChange(from: [.reactivated], to: .active, reason: .flowEntry)
    /// Both reactivation emails unanswered, the policy suppresses (Reactivation/ReactivationSQL.swift `suppress`).
    public static let reactivationExhausted = StatusChange(
        from: [.inactive], to: .suppressed, reason: .reactivationExhausted)
    /// Both reactivation emails unanswered, the policy moves the contact to the alternative
    /// channel: the status stays, the row records the move (Reactivation/ReactivationSQL.swift `moveToChannel`).
    public static let movedToChannel = StatusChange(from: [.inactive], to: .inactive, reason: .movedToChannel)
    /// An event's points reached the threshold (Events/EventApplier.swift, `fold`).
    public static let scoreThreshold = StatusChange(
        from: [.active, .reactivated], to: .engaged, reason: .scoreThreshold)
    /// Any engagement while inactive on email (Events/EventApplier.swift, `fold`).
    public static let engagedDuringReactivation = StatusChange(
        from: [.inactive], to: .reactivated, reason: .engagedDuringReactivation)
    /// An engagement after a move to the alternative channel (Events/EventApplier.swift, `fold`).
    public static let returnedToEmail = StatusChange(from: [.inactive], to: .reactivated, reason: .returnedToEmail)
    /// An `unsubscribe` event, from any status (suppressed → suppressed records it again)
    /// (Consent/ConsentFold.swift).
    public static let unsubscribed = StatusChange(from: CampaignStatus.allCases, to: .suppressed, reason: .unsubscribed)
    /// A `complaint` event: permanent (Consent/ConsentFold.swift).
    public static let complaint = StatusChange(from: CampaignStatus.allCases, to: .suppressed, reason: .complaint)
    /// A `bounce` of type hard (Consent/ConsentFold.swift).
    public static let hardBounce = StatusChange(from: CampaignStatus.allCases, to: .suppressed, reason: .hardBounce)
    /// The policy's `soft_bounce_limit` reached (Consent/ConsentFold.swift).
    public static let softBounceLimit = StatusChange(
        from: CampaignStatus.allCases, to: .suppressed, reason: .softBounceLimit)
    /// A `resubscribe` with its consent source lifts an unsubscribe (Consent/ConsentFold.swift).
    public static let resubscribed = StatusChange(from: [.suppressed], to: .active, reason: .resubscribed)
    /// An administrator's `contacts suppress` (Consent/ContactConsent.swift).
    public static let manualSuppression = StatusChange(
        from: CampaignStatus.allCases, to: .suppressed, reason: .manualSuppression)
    /// An administrator's `contacts unsuppress`, whatever the reason (Consent/ContactConsent.swift).
    public static let manualReinstatement = StatusChange(from: [.suppressed], to: .active, reason: .manualReinstatement)

    /// The change that suppresses for `reason`, among the event and administrator suppressions.
    static func suppression(_ reason: TransitionReason) -> StatusChange? {
        [unsubscribed, complaint, hardBounce, softBounceLimit, manualSuppression].first { $0.reason == reason }
    }

    /// Every status change the engine's own SQL writes. A contact import writes the changes of
    /// `StateMachine.rules` with the import's reasons, bound from that table itself
    /// (Imports/ContactImportSQL.swift `legalChanges`).
    public static let all: [StatusChange] = [
        silence, flowEndsUnanswered, flowEntry, reactivationExhausted, movedToChannel, scoreThreshold,
        engagedDuringReactivation, returnedToEmail, unsubscribed, complaint, hardBounce, softBounceLimit, resubscribed,
        manualSuppression, manualReinstatement,
    ]
}

/// The change's values as SQL literals, for statements that write them set-based. Why literals
/// and not parameters: they are the enums' fixed raw values, never input, and as constants the
/// planner sees the same statement it always did.
extension StatusChange {
    /// The from-statuses as a list for `IN (...)`.
    var fromSQL: String { from.map { Self.literal($0.rawValue) }.joined(separator: ", ") }
    /// The one from-status of a change that has exactly one.
    var onlyFromSQL: String {
        precondition(from.count == 1, "\(self) moves from several statuses")
        return Self.literal(from[0].rawValue)
    }
    var toSQL: String { Self.literal(to.rawValue) }
    var reasonSQL: String { Self.literal(reason.rawValue) }

    private static func literal(_ raw: String) -> String {
        precondition(raw.allSatisfy { $0 == "_" || ("a"..."z").contains($0) }, "not a status or reason: \(raw)")
        return "'\(raw)'"
    }
}
