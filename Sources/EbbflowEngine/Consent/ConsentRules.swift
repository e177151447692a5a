// The rules of consent: what an unsubscribe, resubscribe, bounce, complaint or delivery does to a contact.
import Foundation

/// The consent and deliverability event kinds. Why apart from the engagement kinds: each is a
/// fact about the right or the ability to mail the contact, never a sign of interest, so each
/// earns 0 points whatever the policy says, never moves `last_engagement_at`, never reactivates
/// and never counts against `inactive_after_sends`.
public enum ConsentKind: String, CaseIterable, Sendable {
    case unsubscribe, resubscribe, bounce, complaint, delivered

    /// The longest `consent_source` a resubscribe (or an administrator's text) may carry.
    public static let textBytes = 1...500
}

/// What one consent event does to its contact, decided from the contact's status and
/// suppression reason as the batch has left them.
enum ConsentEffect: Equatable {
    /// Suppress (or, when suppressed already, record a suppressed → suppressed row) for `reason`.
    case suppress(TransitionReason)
    /// Lift an `unsubscribed` suppression: suppressed → active (`resubscribed`), with the
    /// consent source in the transition's detail.
    case resubscribe(source: String)
    /// Recorded (applied, 0 points), nothing changes.
    case record
    /// Kept and settled without being applied, with the reason (`events rejected` lists it).
    case reject(String)
}

enum ConsentRules {
    /// A bounce's type from its properties (`{"type": "hard"}`). Why anything but `hard` is
    /// soft: a bounce that does not say it is permanent (Segment's "Email Bounced" carries no
    /// type; a provider may add a type ebbflow does not know) may be a full mailbox or a
    /// server's "try later". Read as hard it would suppress a reachable person for good on one
    /// transient failure; read as soft it counts towards `soft_bounce_limit`, so an address that
    /// keeps bouncing is still suppressed within the policy's window.
    static func isHard(bounceType: String?) -> Bool { bounceType == "hard" }

    /// The effect of a consent event of `kind` on a contact now `status` (suppressed for
    /// `suppressionReason`). `consentSource` is the resubscribe's `properties.consent_source`
    /// when it is a JSON string; `softLimitReached` says whether this soft bounce reaches the
    /// policy's limit.
    static func effect(
        kind: ConsentKind, status: CampaignStatus, suppressionReason: String?, hardBounce: Bool,
        softLimitReached: Bool, consentSource: String?
    ) -> ConsentEffect {
        switch kind {
        case .unsubscribe: return .suppress(.unsubscribed)
        case .complaint: return .suppress(.complaint)
        case .bounce where hardBounce: return .suppress(.hardBounce)
        case .bounce: return softLimitReached ? .suppress(.softBounceLimit) : .record
        case .delivered: return .record
        case .resubscribe:
            guard let source = consentSource else {
                return .reject(
                    """
                    resubscribe without properties.consent_source (a non-empty string saying where the new \
                    consent came from): nothing changed
                    """)
            }
            if let problem = sourceProblem(source) {
                return .reject("resubscribe: properties.consent_source \(problem): nothing changed")
            }
            guard status == .suppressed else { return .record }
            guard suppressionReason == TransitionReason.unsubscribed.rawValue else {
                return .reject(
                    """
                    resubscribe lifts only an unsubscribe; the contact is suppressed for \
                    \(suppressionReason ?? "an unknown reason"): nothing changed (an administrator holding new \
                    consent may use contacts unsuppress)
                    """)
            }
            return .resubscribe(source: source)
        }
    }

    /// Why a consent source or an administrator's reason is refused, or nil: 1 to 500 bytes of
    /// UTF-8, not only white space, no control characters (it is printed on one line of
    /// `contacts show`, and kept in the audit trail for good).
    static func sourceProblem(_ text: String) -> String? {
        let bytes = text.utf8.count
        guard ConsentKind.textBytes.contains(bytes) else {
            return "must be 1 to \(ConsentKind.textBytes.upperBound) bytes (got \(bytes))"
        }
        guard !text.allSatisfy(\.isWhitespace) else { return "must not be only white space" }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            return "must not contain control characters (line breaks, tabs, NUL…)"
        }
        return nil
    }
}
