// Decides which single stream a contact belongs in at a decision point, and records why.
import Foundation

/// A stream the contact is eligible for right now, with what is known of its value for the
/// contact's segment and status: sends made and goal events that followed within the window.
public struct ArbiterCandidate: Sendable, Equatable {
    public var stream: String
    public var priority: Int?
    /// A locked stream that this decision point's event enters (a product return, a birthday):
    /// sensitive journeys start at once.
    public var lockedEntry: Bool
    public var sends: Int
    public var goals: Int
    public init(stream: String, priority: Int? = nil, lockedEntry: Bool = false, sends: Int = 0, goals: Int = 0) {
        self.stream = stream
        self.priority = priority
        self.lockedEntry = lockedEntry
        self.sends = sends
        self.goals = goals
    }
}

/// The contact's current membership, if any.
public struct CurrentMembership: Sendable, Equatable {
    public var stream: String
    public var mode: StreamDefinition.Mode
    public init(stream: String, mode: StreamDefinition.Mode) {
        self.stream = stream
        self.mode = mode
    }
}

/// A decision and everything it was made from, as the decision log stores it.
public struct ArbiterDecision: Sendable, Equatable {
    public enum Reason: String, Sendable, Codable {
        /// The contact is in a locked stream that has not ended: it stays.
        case locked
        /// The event enters a locked (sensitive) stream: it wins at once.
        case lockedEntry = "locked_entry"
        /// Manual priorities were set among the candidates: the highest won.
        case manualPriority = "manual_priority"
        /// The highest draw from each candidate's posterior won (Thompson sampling).
        case sampledEstimate = "sampled_estimate"
        /// No stream is open to the contact.
        case noEligibleStream = "no_eligible_stream"
        /// The contact reached the end of its stream.
        case streamEnded = "stream_ended"
        /// The contact was suppressed (unsubscribe, bounce, complaint, an administrator): its
        /// membership ended with its pending steps (Consent/SuppressedContacts.swift).
        case contactSuppressed = "contact_suppressed"
    }

    /// One candidate as it was weighed: its posterior mean and the draw it got (nil when no draw was needed).
    public struct Weighed: Sendable, Equatable {
        public var stream: String
        public var priority: Int?
        public var mean: Double
        public var draw: Double?
    }

    public var chosen: String?
    public var reason: Reason
    public var candidates: [Weighed]
}

/// Why Thompson sampling: the arbiter must send contacts to the streams that convert best for
/// their segment and status, yet keep trying new or unlucky streams, or a stream that started
/// badly would never get the sends that show it is good. Drawing each stream's conversion rate
/// from its Beta posterior and taking the highest draw does both: a stream with little data
/// has a wide posterior and wins sometimes; one with a clearly better rate wins almost always.
/// Locked memberships, then locked streams the event enters, then manual priorities come first because the practice asks that
/// emotionally sensitive journeys (a birthday, after a product return) get their whole course
/// and that people can put a stream first when they know better than the data.
public enum StreamArbiter {
    public static func decide(
        current: CurrentMembership?, candidates: [ArbiterCandidate],
        using generator: inout some RandomNumberGenerator
    ) -> ArbiterDecision {
        let weighed = candidates.map {
            ArbiterDecision.Weighed(
                stream: $0.stream, priority: $0.priority,
                mean: Double(1 + $0.goals) / Double(2 + max($0.sends, $0.goals)), draw: nil)
        }
        if let current, current.mode == .locked {
            return ArbiterDecision(chosen: current.stream, reason: .locked, candidates: weighed)
        }
        guard !candidates.isEmpty else {
            return ArbiterDecision(chosen: nil, reason: .noEligibleStream, candidates: [])
        }
        let draws = candidates.map {
            BetaSampling.posteriorDraw(conversions: $0.goals, trials: max($0.sends, $0.goals), using: &generator)
        }
        var withDraws = weighed
        for index in withDraws.indices { withDraws[index].draw = draws[index] }
        let entering = candidates.indices.filter { candidates[$0].lockedEntry }
        if !entering.isEmpty {
            let best = entering.max {
                (candidates[$0].priority ?? -1, draws[$0]) < (candidates[$1].priority ?? -1, draws[$1])
            }!
            return ArbiterDecision(chosen: candidates[best].stream, reason: .lockedEntry, candidates: withDraws)
        }
        if let top = candidates.compactMap(\.priority).max() {
            // Highest priority first; among equals, the better draw.
            let best = candidates.indices.filter { candidates[$0].priority == top }.max { draws[$0] < draws[$1] }!
            return ArbiterDecision(chosen: candidates[best].stream, reason: .manualPriority, candidates: withDraws)
        }
        let best = candidates.indices.max { draws[$0] < draws[$1] }!
        return ArbiterDecision(chosen: candidates[best].stream, reason: .sampledEstimate, candidates: withDraws)
    }
}
