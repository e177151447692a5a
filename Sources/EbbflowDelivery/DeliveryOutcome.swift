// What a transport answers for one message: accepted, worth retrying, or refused for good.
import Foundation

/// Transport-neutral, so the `deliver` handler finishes sends the same way whether they went
/// to a relay or to a team's webhook.
public enum DeliveryOutcome: Sendable, Equatable {
    /// Taken by the relay or the webhook; `messageID` is what the send records.
    case accepted(messageID: String)
    /// A 4xx reply, a lost connection, a timeout, an HTTP 429/5xx: the outbox retries with backoff.
    case transient(String)
    /// A 5xx reply or an HTTP 4xx: the send is dead. `hardBounce`: the relay said the mailbox
    /// does not exist (5.1.x), which suppresses the contact like a provider's hard bounce.
    case permanent(String, hardBounce: Bool)

    /// The `outcome` label of `ebbflow_deliveries_total`.
    public var metricName: String {
        switch self {
        case .accepted: "sent"
        case .transient: "transient"
        case .permanent(_, let bounce): bounce ? "bounced" : "permanent"
        }
    }
}
