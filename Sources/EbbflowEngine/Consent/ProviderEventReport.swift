// What recording a batch of provider events did, event by event and counted by outcome, for the webhook's answer, logs and metrics.
import Foundation

/// What became of one `ProviderEvent`.
public enum ProviderEventOutcome: Sendable, Equatable {
    /// Stored as an engagement event of its contact and applied (`EventApplier.settle`).
    case stored(eventID: Int64)
    /// The provider delivered this event before (same provider and event id): stored once.
    case duplicate
    /// No send and no contact matched it: kept in `unmatched_provider_events` with this reason.
    case unmatched(reason: String)
    /// Stored, but the applier kept it without applying it (a kind the policy does not accept
    /// yet, a date past `max_future_skew`): the applier's reason.
    case rejected(eventID: Int64, reason: String)
    /// Not stored: the event itself could not be (an empty id, a text with a NUL character,
    /// properties that are not a JSON object). A webhook's mapping should never produce one.
    case invalid(reason: String)

    /// The metric's `outcome` label.
    public var label: String {
        switch self {
        case .stored: "stored"
        case .duplicate: "duplicate"
        case .unmatched: "unmatched"
        case .rejected: "rejected"
        case .invalid: "invalid"
        }
    }
}

/// One outcome per event given to `ProviderEventRecorder.record`, in the same order. Returned
/// only after the transaction committed.
public struct ProviderEventReport: Sendable, Equatable {
    public var outcomes: [ProviderEventOutcome]

    public init(outcomes: [ProviderEventOutcome] = []) { self.outcomes = outcomes }

    public var stored: Int { count("stored") }
    public var duplicates: Int { count("duplicate") }
    public var unmatched: Int { count("unmatched") }
    public var rejected: Int { count("rejected") }
    public var invalid: Int { count("invalid") }

    /// Events per outcome label (`stored`, `duplicate`, `unmatched`, `rejected`, `invalid`),
    /// only those that occurred, in that order: what the webhook routes add to
    /// `ebbflow_webhook_events_total`.
    public var counts: [(outcome: String, count: Int)] {
        ["stored", "duplicate", "unmatched", "rejected", "invalid"].compactMap { label in
            let n = count(label)
            return n > 0 ? (label, n) : nil
        }
    }

    /// The reasons of the events not applied (unmatched, rejected, invalid), for one log line.
    public var reasons: [String] {
        outcomes.compactMap {
            switch $0 {
            case .unmatched(let reason): "unmatched: \(reason)"
            case .rejected(_, let reason): "rejected: \(reason)"
            case .invalid(let reason): "invalid: \(reason)"
            case .stored, .duplicate: nil
            }
        }
    }

    private func count(_ label: String) -> Int { outcomes.filter { $0.label == label }.count }
}
