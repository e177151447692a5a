// Applies engagement events to their contacts, set-based and exactly once, in the caller's transaction.
import EbbflowCore
import Foundation
import PostgresClient

/// What applying one event did.
public struct AppliedEvent: Sendable, Equatable {
    public var eventID: Int64
    public var contactID: Int64
    public var points: Int
    /// The score as of `scoreAsOf` after this event.
    public var score: Double
    public var from: CampaignStatus
    public var to: CampaignStatus
    public var reason: TransitionReason?
    /// The transition's detail (a resubscribe's consent source); nil for most.
    public var detail: String? = nil
}

/// An event kept but not applied, and why: its kind is not one the policy accepts, or it is
/// dated more than the policy's `max_future_skew` ahead of the clock. Stored on the event
/// (`engagement_events.rejection`), listed by `ebbflow events rejected`.
public struct RejectedEvent: Sendable, Equatable {
    public var eventID: Int64
    public var contactID: Int64
    public var reason: String
}

/// The rule of one event: add its points to the decayed score, move `last_engagement_at`
/// forward only, and change status through the state machine, writing a transition row.
///
/// Why set-based: a batch of events is read and locked in one statement (contacts in id order,
/// the one lock order of the engine), folded per contact in Swift in arrival order (the rules
/// live in one place, `fold`), and written back with three statements whatever the batch size:
/// contacts, transitions and the events' applied marks. What follows from the applied events
/// (pending jobs that no longer apply, stream decisions) is done by the consumers the engine
/// wires in `EngineEventConsumers`, in the same transaction. An event already applied (by
/// another worker) is not returned by the locking read, so each event counts exactly once.
public struct EventApplier: Sendable {
    let sql: EventSQL
    /// What runs after the events are applied, in order, in the same transaction.
    let consumers: [any AppliedEventsConsumer]

    public init(schema: SchemaName) {
        self.init(schema: schema, consumers: EngineEventConsumers.afterEventsApplied(schema: schema))
    }

    /// An applier with a consumer list other than the engine's wiring (tests).
    init(schema: SchemaName, consumers: [any AppliedEventsConsumer]) {
        sql = EventSQL(schema: schema)
        self.consumers = consumers
    }

    /// Applies event `id`; nil if it was applied already or its contact is unknown.
    public func apply(eventID id: Int64, policies: PolicyDocument, now: Date, on connection: isolated PGConnection)
        throws -> AppliedEvent?
    {
        try apply(eventIDs: [id], policies: policies, now: now, on: connection).first
    }

    /// Applies every event of `ids` not applied yet and linked to a contact; returns what each
    /// did. Events rejected instead (see `settle`) are not among them.
    @discardableResult
    public func apply(eventIDs ids: [Int64], policies: PolicyDocument, now: Date, on connection: isolated PGConnection)
        throws -> [AppliedEvent]
    {
        try settle(eventIDs: ids, policies: policies, now: now, on: connection).applied
    }

    /// Settles every event of `ids` not settled yet and linked to a contact, exactly once:
    /// applies it, or keeps it rejected with its reason when its kind is unknown to the policy
    /// or it is dated more than `max_future_skew` after `now`. Why here: imports, rows other
    /// systems insert and the poller all settle events through this one call, so no path can
    /// score an unknown kind 0 or let a future date freeze a contact's score.
    public func settle(eventIDs ids: [Int64], policies: PolicyDocument, now: Date, on connection: isolated PGConnection)
        throws -> (applied: [AppliedEvent], rejected: [RejectedEvent])
    {
        guard !ids.isEmpty else { return ([], []) }
        let rows = try connection.query(sql.lockEventsAndContacts, [ids]).rows
        guard !rows.isEmpty else { return ([], []) }
        var applied: [AppliedEvent] = []
        applied.reserveCapacity(rows.count)
        var rejected: [RejectedEvent] = []
        var states: [Int64: ContactScoreState] = [:]
        var order: [Int64] = []
        var points: [StreamEventPoint] = []
        let known = policies.acceptedEventKinds
        let softBounces = try softBounceHistory(rows, policies: policies, now: now, on: connection)
        for row in rows {
            let contactID: Int64 = try row.decode("contact_id")
            let segment: String = try row.decode("segment")
            let policy = policies.policy(for: segment)
            let kind: String = try row.decode("kind")
            let occurredAt: Date = try row.decode("occurred_at")
            if let reason = Self.rejection(kind: kind, occurredAt: occurredAt, now: now, policy: policy, known: known) {
                rejected.append(
                    RejectedEvent(eventID: try row.decode("event_id"), contactID: contactID, reason: reason))
                continue
            }
            if states[contactID] == nil {
                order.append(contactID)
                states[contactID] = ContactScoreState(
                    segment: segment,
                    status: CampaignStatus(rawValue: try row.decode("status", as: String.self)) ?? .active,
                    score: try row.decode("engagement_score"), lastEngagement: try row.decode("last_engagement_at"),
                    scoreAsOf: try row.decode("score_as_of"), channel: try row.decode("channel"))
                states[contactID]!.channelMovedAt = try row.decode("channel_moved_at")
                states[contactID]!.suppressionReason = try row.decode("suppression_reason")
                states[contactID]!.softBounces = softBounces[contactID] ?? []
            }
            let machineOpen: Bool = try row.decode("machine_open"), bot: Bool = try row.decode("bot")
            let eventID: Int64 = try row.decode("event_id")
            // Within the allowed skew an event counts as happening now: no date moves past the clock.
            let at = min(occurredAt, now)
            if let consent = ConsentKind(rawValue: kind) {
                // Consent is not engagement: 0 points whatever the policy says (Consent/ConsentFold.swift).
                let outcome = try states[contactID]!.foldConsent(
                    consent, at: at, bounceType: try row.decode("bounce_type"),
                    consentSource: try row.decode("consent_source"), policy: policy)
                if let reason = outcome.rejection {
                    rejected.append(RejectedEvent(eventID: eventID, contactID: contactID, reason: reason))
                    continue
                }
                applied.append(
                    AppliedEvent(
                        eventID: eventID, contactID: contactID, points: 0, score: states[contactID]!.score,
                        from: outcome.from, to: outcome.to, reason: outcome.reason, detail: outcome.detail))
                points.append(
                    StreamEventPoint(
                        eventID: eventID, contactID: contactID, kind: kind, segment: segment, status: outcome.to,
                        occurredAt: at))
                continue
            }
            let earned = policy.points(for: kind, machineOpen: machineOpen, bot: bot) ?? 0
            let result = try states[contactID]!.fold(points: earned, occurredAt: at, now: now, policy: policy)
            applied.append(
                AppliedEvent(
                    eventID: eventID, contactID: contactID, points: earned, score: result.score,
                    from: result.from, to: result.to, reason: result.reason))
            points.append(
                StreamEventPoint(
                    eventID: eventID, contactID: contactID, kind: kind, segment: segment,
                    status: result.to, occurredAt: at, robot: machineOpen || bot))
        }
        if !rejected.isEmpty {
            try connection.execute(sql.markRejected, [rejected.map(\.eventID), rejected.map(\.reason), now])
        }
        guard !applied.isEmpty else { return ([], rejected) }
        let final = order.map { states[$0]! }
        try connection.execute(
            sql.updateContacts,
            [
                order, final.map(\.score), final.map(\.lastEngagement), final.map(\.scoreAsOf),
                final.map(\.status.rawValue),
                final.map(\.statusChanged), final.map(\.answered), now, final.map(\.channel),
                final.map(\.suppressionReason),
            ])
        let moves = applied.filter { $0.reason != nil }
        if !moves.isEmpty {
            try connection.execute(
                sql.insertEventTransitions,
                [
                    moves.map(\.contactID), moves.map(\.from.rawValue), moves.map(\.to.rawValue),
                    moves.map { $0.reason!.rawValue },
                    moves.map(\.eventID), now, moves.map(\.detail),
                ])
        }
        try connection.execute(sql.markApplied, [applied.map(\.eventID), applied.map { Int32($0.points) }, now])
        // Whatever else follows from these events (job cancellation, stream decisions), in their own transaction.
        let batch = AppliedEventBatch(applied: applied, points: points, now: now)
        for consumer in consumers { try consumer.eventsApplied(batch, on: connection) }
        return (applied, rejected)
    }

    /// The applied soft bounces of the batch's contacts that any of the batch's soft bounces
    /// may count (`soft_bounce_limit`), by contact; empty, and no query, without a bounce.
    private func softBounceHistory(
        _ rows: [PGRow], policies: PolicyDocument, now: Date, on connection: isolated PGConnection
    ) throws -> [Int64: [Date]] {
        let bounces = try rows.filter { try $0.decode("kind", as: String.self) == ConsentKind.bounce.rawValue }
        guard !bounces.isEmpty else { return [:] }
        let earliest = try bounces.map { min(try $0.decode("occurred_at", as: Date.self), now) }.min()!
        let window = ([policies.default] + Array(policies.segments.values)).map(\.softBounceLimit.window).max() ?? 0
        var history: [Int64: [Date]] = [:]
        for row in try connection.query(
            sql.softBounces,
            [Array(Set(try bounces.map { try $0.decode("contact_id", as: Int64.self) })), earliest - window]
        ).rows {
            history[try row.decode("contact_id")] = try row.decode("at")
        }
        return history
    }

    /// Why an event must not be applied, or nil. `known` is the document's accepted kinds.
    static func rejection(kind: String, occurredAt: Date, now: Date, policy: EngagementPolicy, known: Set<String>)
        -> String?
    {
        guard known.contains(kind) else {
            return "unknown event kind \"\(kind)\" (accepted: \(known.sorted().joined(separator: ", ")))"
        }
        let skew = policy.maxFutureSkewSeconds
        guard occurredAt.timeIntervalSince(now) <= skew else {
            return
                """
                occurred_at \(occurredAt.formatted(.iso8601)) is more than max_future_skew \(policy.maxFutureSkew) \
                ahead of the database clock \(now.formatted(.iso8601))
                """
        }
        return nil
    }
}

/// One contact's score and status while a batch of its events is folded in.
struct ContactScoreState {
    var segment: String
    var status: CampaignStatus
    var score: Double
    var lastEngagement: Date?
    var scoreAsOf: Date?
    /// `email`, or the alternative channel an exhausted reactivation cycle moved the contact to.
    var channel: String
    /// When the contact was last moved to the alternative channel; an engagement dated before
    /// it (a late webhook, a backfill) was not an answer on that channel.
    var channelMovedAt: Date?
    var statusChanged = false
    var answered = false
    /// Why the contact is suppressed (the strongest reason so far); nil when it is not.
    var suppressionReason: String?
    /// The contact's soft bounces that `soft_bounce_limit` may count, this batch's included.
    var softBounces: [Date] = []

    init(
        segment: String, status: CampaignStatus, score: Double, lastEngagement: Date?, scoreAsOf: Date?,
        channel: String = "email"
    ) {
        self.channel = channel
        self.segment = segment
        self.status = status
        self.score = score
        self.lastEngagement = lastEngagement
        self.scoreAsOf = scoreAsOf
    }

    /// Folds one event in. The stored score and the event's points are both decayed to one
    /// moment, the later of the newest engagement and the time the score was last decayed;
    /// an older event adds its points decayed to that moment and leaves the date where it was.
    mutating func fold(points earned: Int, occurredAt: Date, now: Date, policy: EngagementPolicy)
        throws -> (score: Double, from: CampaignStatus, to: CampaignStatus, reason: TransitionReason?)
    {
        let from = status
        guard earned > 0 else { return (score, from, from, nil) }
        let newest = max(occurredAt, lastEngagement ?? occurredAt)
        let moment = max(newest, scoreAsOf ?? newest)
        let decayedStored = policy.decay.score(score, asOf: scoreAsOf, lastEngagement: lastEngagement, now: moment)
        let decayedPoints = policy.decay.score(Double(earned), since: occurredAt, now: moment)
        score = decayedStored + decayedPoints
        lastEngagement = newest
        scoreAsOf = moment
        answered = true
        let scoreNow = policy.decay.score(score, asOf: moment, lastEngagement: newest, now: max(now, moment))
        // The change this event makes, one of the declared `StatusChange`s (Contacts/StatusChange.swift).
        var change: StatusChange?
        switch status {
        case .active, .reactivated:
            if scoreNow >= Double(policy.engagedThreshold) { change = .scoreThreshold }
        case .inactive where channel != "email" && occurredAt < (channelMovedAt ?? .distantPast):
            // Dated before the move: it counts for the score but is no answer on the new channel.
            break
        case .inactive where channel != "email":
            // Moved to the alternative channel after an unanswered cycle, and now engaging: the
            // practice branches re-engaged contacts back to the active audience, so by default
            // the contact returns to email as `reactivated` (left on ads, no flow mailed it
            // again); `stay` keeps it inactive there, its score still counted.
            if policy.onEngagementAfterChannelMove == .returnToEmail { change = .returnedToEmail }
        case .inactive:
            change = .engagedDuringReactivation
        case .engaged, .suppressed:
            break
        }
        guard let change else { return (score, from, status, nil) }
        try change.check(from: from)
        status = change.to
        channel = StateMachine.channel(from: from, to: status, current: channel)
        statusChanged = true
        return (score, from, status, change.reason)
    }
}
