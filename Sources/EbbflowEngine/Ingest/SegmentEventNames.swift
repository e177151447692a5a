// Which ebbflow event kind a Segment `track` event name or `page` message becomes.
import Foundation

/// Segment's email spec names the events an email service reports; ebbflow's own kinds are
/// accepted as they are (`open`, `click`, `purchase`, …: any kind the policy accepts).
enum SegmentEventNames {
    static let emailSpec: [String: String] = [
        "Email Opened": "open",
        "Email Link Clicked": "click",
        "Unsubscribed": "unsubscribe",
        "Email Bounced": "bounce",
        "Email Marked as Spam": "complaint",
        "Email Delivered": "delivered",
    ]

    /// The kind of a `track` event named `event`, or the reason it is refused.
    static func kind(ofTrack event: String, accepted: Set<String>) throws(MessageProblem) -> String {
        if let kind = emailSpec[event] { return kind }
        guard accepted.contains(event) else {
            let names = emailSpec.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            throw MessageProblem(
                """
                event "\(event)" is neither an event kind ebbflow accepts (\(accepted.sorted().joined(separator: ", "))) \
                nor one of Segment's email events (\(names))
                """,
                field: "event")
        }
        return event
    }

    /// The kind of a `page` visit to `url` under `policy`. Why `high_intent_visit` and not
    /// `page_visit`: the policy scores `high_intent_visit` 15 and `page_visit` 1, and a visit to
    /// a high-intent page (pricing, a demo) is what the practice means by 15 points of intent;
    /// any other page is `page`, worth nothing unless the policy scores it.
    static func kind(ofPageAt url: String?, policy: EngagementPolicy) -> String {
        guard let url, policy.isHighIntentPage(url) else { return "page" }
        return "high_intent_visit"
    }
}
