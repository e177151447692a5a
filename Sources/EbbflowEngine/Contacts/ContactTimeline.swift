// One contact's story as one list, oldest first: events, transitions, sends and stream decisions.
import Foundation
import PostgresClient

/// One engagement event of a contact as `contacts show` prints it.
public struct ContactEventView: Sendable {
    public var id: Int64
    public var kind: String
    public var occurredAt: Date
    public var source: String
    /// Points it earned; nil when not applied yet, or rejected.
    public var points: Int?
    public var machineOpen: Bool
    /// A link scanner's click (engine 0022): kept and shown, scored 0.
    public var bot = false
    public var url: String?
    /// Why it was kept without being applied (unknown kind, dated too far ahead); nil otherwise.
    public var rejection: String?
    /// When it was settled (applied or rejected); nil while it waits.
    public var settledAt: Date?
}

/// One line of the timeline. `type` is `event`, `transition`, `send` or `stream_decision`.
public struct ContactTimelineEntry: Sendable, Equatable {
    public var at: Date
    public var type: String
    public var text: String
}

extension ContactView {
    /// Everything that happened to the contact, oldest first. Why one list: the causes
    /// (events, sends) and their effects (transitions, stream decisions) read in order, where
    /// four separate lists made a person interleave the times by eye. At one instant, causes
    /// come first: an event, then the transition and decision it caused, then a send.
    public var timeline: [ContactTimelineEntry] {
        var entries: [(entry: ContactTimelineEntry, rank: Int, order: Int)] = []
        func add(_ at: Date, _ type: String, _ rank: Int, _ text: String) {
            entries.append((ContactTimelineEntry(at: at, type: type, text: text), rank, entries.count))
        }
        for event in events {
            let what =
                event.machineOpen ? "\(event.kind) (machine)" : event.bot ? "\(event.kind) (bot)" : event.kind
            if let rejection = event.rejection {
                add(event.occurredAt, "event", 0, "\(what) rejected: \(rejection)")
            } else if let points = event.points {
                add(event.occurredAt, "event", 0, "\(what) +\(points) points")
            } else {
                add(event.occurredAt, "event", 0, event.settledAt == nil ? "\(what) (not applied yet)" : what)
            }
        }
        for step in transitions { add(step.at, "transition", 1, "\(step.from) → \(step.to) (\(step.reason))") }
        for decision in streamDecisions {
            add(
                decision.at, "stream_decision", 2,
                "stream \(decision.trigger): \(decision.previous ?? "none") → \(decision.chosen ?? "none") (\(decision.reason))"
            )
        }
        for send in sends {
            add(send.at, "send", 3, "sent \(send.template) (\(send.flow) step \(send.step), \(send.channel))")
        }
        return entries.sorted { ($0.entry.at, $0.rank, $0.order) < ($1.entry.at, $1.rank, $1.order) }.map(\.entry)
    }
}
