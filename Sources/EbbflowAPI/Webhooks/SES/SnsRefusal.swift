// Why an SNS message was refused after it parsed: its status, the metrics outcome it counts as, and the reason logged and answered.
import Hummingbird

/// Each case says what failed in words an operator can act on; none carries a secret (an SNS
/// message holds none: its signature and certificate are public).
enum SnsRefusal: Error, Sendable, Equatable {
    /// `SigningCertURL` is not an https URL of an SNS host naming one `.pem` file.
    case certificateURL(String)
    /// The certificate the URL names is not one the operator pinned.
    case certificateNotPinned(String)
    /// The pinned certificate (or its CA) is outside its validity dates at the database clock.
    case certificateDates(String)
    /// The signature is not SNS's over this message's fields with that certificate.
    case signature(String)
    /// `Timestamp` is older than `SesWebhook.maximumAge` or ahead of the clock.
    case stale(String)
    /// `TopicArn` is not in `EBBFLOW_SES_TOPIC_ARNS`.
    case topic(String)

    var status: HTTPResponse.Status { self.isTopic ? .forbidden : .unauthorized }

    /// The `outcome` label of `ebbflow_webhook_events_total`.
    var outcome: String {
        switch self {
        case .stale: "stale"
        case .topic: "rejected_topic"
        default: "rejected_signature"
        }
    }

    var reason: String {
        switch self {
        case .certificateURL(let text), .certificateNotPinned(let text), .certificateDates(let text),
            .signature(let text), .stale(let text), .topic(let text):
            text
        }
    }

    private var isTopic: Bool {
        if case .topic = self { return true }
        return false
    }
}
