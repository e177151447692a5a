// Places contacts in streams at the decision points events make (entries and exits), in the events' own transaction.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// An applied event as a possible decision point (or a date entry, or a due step).
struct StreamEventPoint: Sendable {
    /// Nil for a date entry or a due step (no event caused it).
    var eventID: Int64?
    var contactID: Int64
    var kind: String
    var segment: String
    var status: CampaignStatus
    var occurredAt: Date
    /// A machine open or a link scanner's click: never a goal, an entry or an exit (it is no person's doing).
    var robot = false
}

/// Why here: an exit event must end a membership "in the event's own transaction", and the
/// arbiter must reconsider at once, so this runs inside `EventApplier.apply`, after the events'
/// own writes, on contacts the applier already holds locked. Only events whose kind some stream
/// enters on or exits on are decision points; with no streams stored it costs one query.
///
/// *Standing* streams (an entry with no event and no date: `entry: {statuses: [active]}`) are
/// open to whoever their segments and statuses admit, so they are candidates at every decision
/// point: any event of a contact in no stream (but a consent event: `ConsentKind`s only exit), any entry, and each due step of a contact in an
/// open stream (`StreamStepJob` asks with `dueStep`), which is how the arbiter migrates a
/// contact between streams as its status changes. Without standing streams none of this costs
/// anything: a due step returns before reading memberships.
///
/// A contact that changes streams has its old stream's pending steps cancelled with the reason
/// and its new stream's first step enqueued, in the same transaction (the steps themselves
/// run in `StreamStepJob`, StreamSteps.swift).
struct StreamRuntime: Sendable {
    let schema: SchemaName
    var sql: StreamSQL { StreamSQL(schema: schema) }
    /// The kind of a due step's decision point.
    static let dueStep = "due_step"

    /// Decides at `events`; returns the contacts whose stream changed. `stored` is the stored
    /// streams when the caller already read them (a step job does), else they are read here.
    @discardableResult
    func decide(
        at events: [StreamEventPoint], now: Date, stored: [StoredStream]? = nil, on connection: isolated PGConnection
    ) throws -> Set<Int64> {
        guard !events.isEmpty else { return [] }
        let read = try stored ?? StreamStore(schema: schema).list(on: connection)
        let streams = read.map(\.definition)
        guard !streams.isEmpty else { return [] }
        // The version a new member follows comes from the same read as the steps its first job
        // is computed from, so an apply committing mid-transaction cannot split the two.
        let versions = Dictionary(uniqueKeysWithValues: read.map { ($0.definition.name, $0.version) })
        let byName = Dictionary(uniqueKeysWithValues: streams.map { ($0.name, $0) })
        try creditGoals(events, streams: streams, on: connection)
        let entryKinds = Set(streams.compactMap(\.entryKind))
        let exitKinds = Set(streams.flatMap(\.exits))
        let standing = streams.filter { $0.entryKind == nil }
        // A machine open or a scanner's click is no person's doing: it neither enters nor
        // exits a stream (nor reaches a goal, `creditGoals`), or a scanner would start or end journeys.
        let points = events.filter {
            !$0.robot && (!standing.isEmpty || entryKinds.contains($0.kind) || exitKinds.contains($0.kind))
        }
        .sorted { ($0.contactID, $0.eventID ?? 0) < ($1.contactID, $1.eventID ?? 0) }
        guard !points.isEmpty else { return [] }
        let contactIDs = Array(Set(points.map(\.contactID))).sorted()
        var membership: [Int64: String] = [:]
        for row in try connection.query(sql.membershipsOf, [contactIDs]).rows {
            membership[try row.decode("contact_id")] = try row.decode("stream")
        }
        // When each contact last left each stream by an exit: a standing stream does not take a
        // contact back within its `reentry_after` (an exit in this batch counts too).
        var exitedAt: [Int64: [String: Date]] = [:]
        if let longest = standing.map(\.entry.reentrySeconds).max() {
            for row in try connection.query(sql.recentExits, [contactIDs, now.addingTimeInterval(-longest)]).rows {
                exitedAt[try row.decode("contact_id"), default: [:]][try row.decode("stream")] = try row.decode("at")
            }
        }
        var outcomes: [String: (sends: Int, goals: Int)] = [:]
        for row in try connection.query(sql.outcomesFor, [Array(Set(points.map(\.segment)))]).rows {
            let key =
                "\(try row.decode("stream", as: String.self))|\(try row.decode("segment", as: String.self))|\(try row.decode("status", as: String.self))"
            outcomes[key] = (try row.decode("sends"), try row.decode("goals"))
        }
        var generator = SystemRandomNumberGenerator()
        let before = membership
        // Contacts whose stream changed at any point of the batch, even if a later point put
        // them back where they were (an exit, then an entry into the same stream): a re-entry
        // starts the stream again rather than carrying on with the old membership's steps.
        var changed = Set<Int64>()
        var log: [(contact: Int64, trigger: String, event: Int64?, previous: String?, decision: ArbiterDecision)] = []
        for point in points {
            var current = membership[point.contactID].flatMap { byName[$0] }
            let previous = current?.name
            var trigger = point.eventID == nil ? point.kind : "event:\(point.kind)"
            var incumbentAdmitted = true
            // A consent event (unsubscribe, bounce, delivered…) is no sign of interest: it may
            // end a membership (a stream's exit) but never places a contact anywhere.
            let consent = ConsentKind(rawValue: point.kind) != nil
            if let stream = current, stream.exits.contains(point.kind) {
                current = nil
                trigger = "exit:\(point.kind)"
                exitedAt[point.contactID, default: [:]][stream.name] = now
            } else if consent {
                continue
            } else if point.kind == Self.dueStep {
                // Only an open stream's due step is weighed; a locked membership holds.
                guard let stream = current, stream.mode == .open else { continue }
                trigger = "step:\(stream.name)"
                incumbentAdmitted = Self.admits(stream.entry, point)
            } else if !entryKinds.contains(point.kind) {
                // Any other event weighs the standing streams for a contact in no stream.
                guard current == nil else { continue }
            }
            let candidates = streams.filter { stream in
                guard
                    !consent && stream.name != previous && (stream.entryKind == point.kind || stream.entryKind == nil)
                        && Self.admits(stream.entry, point)
                else {
                    return false
                }
                guard stream.entryKind == nil, let left = exitedAt[point.contactID]?[stream.name] else { return true }
                return now.timeIntervalSince(left) >= stream.entry.reentrySeconds
            }
            // An event that enters nothing and no standing stream that admits the contact: not
            // a decision, and not logged (an open by a contact in no stream is not news).
            if candidates.isEmpty && !trigger.hasPrefix("exit:") && !entryKinds.contains(point.kind) { continue }
            // A due step moves the contact only when its behaviour changed what it is eligible
            // for: its stream no longer admits it (its status changed) and a standing stream
            // does, or a standing stream that is locked or outranks it by manual priority now
            // admits it. Re-drawing the estimates at every step would flip contacts between
            // streams of equal standing and restart them at step 0 each time.
            if point.kind == Self.dueStep, let stream = current {
                let rank = stream.priority ?? Int.min
                let outranked = candidates.contains { $0.mode == .locked || ($0.priority ?? Int.min) > rank }
                guard outranked || !incumbentAdmitted else { continue }
            }
            var weighed = candidates.map { stream in
                let known = outcomes["\(stream.name)|\(point.segment)|\(point.status.rawValue)"] ?? (0, 0)
                return ArbiterCandidate(
                    stream: stream.name, priority: stream.priority, lockedEntry: stream.mode == .locked,
                    sends: known.sends, goals: known.goals)
            }
            if let stream = current, stream.mode == .open, incumbentAdmitted {
                let known = outcomes["\(stream.name)|\(point.segment)|\(point.status.rawValue)"] ?? (0, 0)
                weighed.append(
                    ArbiterCandidate(
                        stream: stream.name, priority: stream.priority, sends: known.sends, goals: known.goals))
            }
            let decision = StreamArbiter.decide(
                current: current.map { CurrentMembership(stream: $0.name, mode: $0.mode) },
                candidates: weighed, using: &generator)
            if decision.chosen != previous { changed.insert(point.contactID) }
            membership[point.contactID] = decision.chosen
            log.append((point.contactID, trigger, point.eventID, previous, decision))
        }
        guard !log.isEmpty else { return [] }
        // Only the contacts whose stream changed are written: the old membership goes with its
        // pending steps (cancelled with the reason), and the new one starts now with the
        // stream's current version (StreamSteps.swift runs the steps).
        let moved = contactIDs.filter { changed.contains($0) }
        let left = moved.filter { before[$0] != nil }
        if !left.isEmpty {
            try connection.execute(sql.leaveStreams, [left])
            try ContactJobs(schema: schema).cancel(
                left, kinds: [StreamStepJob.self], now: now, reason: "contact left the stream",
                on: connection)
        }
        let entered = moved.compactMap { id in membership[id].map { (id, $0) } }
        if !entered.isEmpty {
            var entries: [Int64: Int64] = [:]
            for row in try connection.query(
                sql.placeInStreams,
                [
                    entered.map(\.0), entered.map(\.1), entered.map { byName[$0.1]!.mode.rawValue },
                    now, entered.map { Int32(versions[$0.1]!) },
                ]
            ).rows {
                entries[try row.decode("contact_id")] = try row.decode("entry")
            }
            // A leading wait needs no job to compute: the first job is due when it ends.
            let starts = entered.map { _, name -> (Int32, Date) in
                if case .wait(let seconds) = byName[name]!.steps[0].action {
                    return (1, now.addingTimeInterval(seconds))
                }
                return (0, now)
            }
            try JobStore(schema: schema).enqueue(
                StreamStepJob.self, rowsOf: sql.enqueueFirstSteps,
                [
                    entered.map(\.0), entered.map(\.1), starts.map(\.0), starts.map(\.1), entered.map { entries[$0.0] },
                ], columns: [.subject], now: now, on: connection)
        }
        try connection.execute(
            sql.recordDecisions,
            [
                log.map(\.contact), log.map(\.trigger), log.map(\.event), log.map(\.previous),
                log.map(\.decision.chosen),
                log.map(\.decision.reason.rawValue), try log.map { try Self.candidatesJSON($0.decision) }, now,
            ])
        return changed
    }

    /// Goal events credit the stream sends they follow within the stream's window, once per
    /// send: that is what the arbiter's estimates learn from.
    private func creditGoals(
        _ events: [StreamEventPoint], streams: [StreamDefinition], on connection: isolated PGConnection
    ) throws {
        let goals = streams.compactMap { stream in
            stream.goal.flatMap { goal in DurationText.seconds(goal.within).map { (stream.name, goal.event, $0) } }
        }
        let goalKinds = Set(goals.map(\.1))
        let hits = events.filter { goalKinds.contains($0.kind) && !$0.robot }
        guard !hits.isEmpty else { return }
        try connection.execute(
            sql.creditGoals,
            [
                hits.map(\.contactID), hits.map(\.kind), hits.map(\.occurredAt),
                goals.map(\.0), goals.map(\.1), goals.map(\.2),
            ])
    }

    /// A contact reached the end of `stream`: it leaves it, and the decision log says so.
    func end(contactID: Int64, stream: String, jobID: Int64, now: Date, on connection: isolated PGConnection) throws {
        try connection.execute(sql.leaveStreams, [[contactID]])
        let decision = ArbiterDecision(chosen: nil, reason: .streamEnded, candidates: [])
        try connection.execute(
            sql.recordDecisions,
            [
                [contactID], ["end:\(stream)"], [Int64?.none], [stream], [String?.none],
                [decision.reason.rawValue], [try Self.candidatesJSON(decision)], now,
            ])
    }

    /// Whether a stream's entry criteria (segments, statuses) admit the contact. Never a
    /// suppressed one, whatever the stream names: nothing may be sent to it, so a journey it
    /// entered could only log skips (Consent/SuppressedContacts.swift ends its membership).
    static func admits(_ entry: StreamDefinition.Entry, _ point: StreamEventPoint) -> Bool {
        point.status != .suppressed && (entry.segments.map { $0.contains(point.segment) } ?? true)
            && (entry.statuses.map { $0.contains(point.status) } ?? true)
    }

    /// The candidates as the decision log stores them. Written by hand rather than through
    /// JSONSerialization: a site-wide event logs one decision per contact, and stream names are
    /// validated to lower-case letters, digits and underscores, so nothing needs escaping.
    static func candidatesJSON(_ decision: ArbiterDecision) throws -> String {
        var text = "["
        for (index, weighed) in decision.candidates.enumerated() {
            if index > 0 { text += ", " }
            text += "{\"stream\": \"\(weighed.stream)\", \"mean\": \(weighed.mean)"
            if let priority = weighed.priority { text += ", \"priority\": \(priority)" }
            if let draw = weighed.draw { text += ", \"draw\": \(draw)" }
            text += "}"
        }
        return text + "]"
    }
}
