// What a verified webhook request hands to the recorder, and a refusal with its status, metric outcome and reason.
import EbbflowEngine
import EbbflowHTTP
import Foundation
import Hummingbird

/// A request whose signature (or credentials) verified: its events, what was left out, and
/// what the recording transaction must still check against the database.
struct WebhookDelivery: Sendable {
    var events: [ProviderEvent]
    /// Events of types ebbflow does not record (SendGrid's `processed`, Mailgun's `accepted`…).
    var ignored = 0
    /// When the provider signed the request, checked against the database clock within
    /// `tolerance` seconds either way (nil: the provider signs no time).
    var signedAt: Date?
    var tolerance: TimeInterval = WebhookLimits.tolerance
    /// A one-time value of the signature (Mailgun's token), refused when seen before.
    var replayToken: String?
    /// The signature verified but the payload is refused (a 400). Why carried and not thrown:
    /// Mailgun signs only its timestamp and token, not the body, so a verified token left
    /// unspent could be replayed within the tolerance with other event-data; the route spends
    /// the token (and checks the signature's age) first, then answers this refusal.
    var payloadRefusal: WebhookRefusal?
}

/// The bounds every provider webhook shares.
enum WebhookLimits {
    /// The largest body read (1 MiB): SendGrid batches stay well under it; past it, 413.
    static let maxBodyBytes = 1_048_576
    /// The most events one request may carry.
    static let maxEvents = 5_000
    /// How far a signature's time may be from the database clock, either way (5 minutes): long
    /// enough for a provider's queue and a clock a little off, short enough that a captured
    /// request is useless soon.
    static let tolerance: TimeInterval = 300
    /// The longest text field read from a payload (a URL, a reason): 8 KB.
    static let maxTextBytes = 8_192
    /// How deeply a payload may nest.
    static let maxDepth = 32
}

/// Why a request was refused. The message names what was wrong, never a secret or the
/// expected signature; `outcome` is the metric's label.
struct WebhookRefusal: Error, Sendable {
    var status: HTTPResponse.Status
    var outcome: String
    var message: String
    var field: String?
    var headers: HTTPFields = [:]

    static func signature(_ message: String, headers: HTTPFields = [:]) -> WebhookRefusal {
        WebhookRefusal(status: .unauthorized, outcome: "rejected_signature", message: message, headers: headers)
    }

    static func stale(_ message: String) -> WebhookRefusal {
        WebhookRefusal(status: .unauthorized, outcome: "stale", message: message)
    }

    static func replay(_ message: String) -> WebhookRefusal {
        WebhookRefusal(status: .unauthorized, outcome: "replay", message: message)
    }

    static func malformed(_ message: String, field: String?) -> WebhookRefusal {
        WebhookRefusal(status: .badRequest, outcome: "malformed", message: message, field: field)
    }

    var apiError: APIError { APIError(status, message, field: field, headers: headers) }
}
