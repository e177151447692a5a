// POST /webhooks/postmark: Postmark's webhooks behind HTTP Basic credentials, each record turned into a provider event.
import Crypto
import EbbflowEngine
import Foundation
import Hummingbird

/// Postmark signs nothing: its webhooks carry the HTTP Basic credentials set in the webhook's
/// URL, compared here in constant time with `EBBFLOW_POSTMARK_WEBHOOK_USER` / `…_PASSWORD`
/// (serve Postmark over HTTPS only). One record a request, named by `RecordType`.
struct PostmarkWebhook: Sendable {
    let user: [UInt8]
    let password: [UInt8]

    static let challenge: HTTPFields = [.wwwAuthenticate: #"Basic realm="ebbflow webhooks""#]

    func accept(_ headers: HTTPFields, body: [UInt8]) throws(WebhookRefusal) -> WebhookDelivery {
        try authenticate(headers)
        let root = try WebhookJSON.object(try WebhookJSON.parse(body), at: "")
        if let event = try Self.event(root) { return WebhookDelivery(events: [event]) }
        return WebhookDelivery(events: [], ignored: 1)
    }

    func authenticate(_ headers: HTTPFields) throws(WebhookRefusal) {
        guard let header = headers[.authorization], header.utf8.count <= 4_096,
            header.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let colon = decoded.firstIndex(of: UInt8(ascii: ":"))
        else { throw .signature("HTTP Basic credentials are required", headers: Self.challenge) }
        let givenUser = Array(decoded[decoded.startIndex..<colon])
        let givenPassword = Array(decoded[decoded.index(after: colon)...])
        // Both compared whatever the first gave, so the time says nothing about which was wrong.
        let userMatches = Self.constantTimeEqual(givenUser, user)
        let passwordMatches = Self.constantTimeEqual(givenPassword, password)
        guard userMatches && passwordMatches else {
            throw .signature("the HTTP Basic credentials are not the configured ones", headers: Self.challenge)
        }
    }

    /// Compares SHA-256 digests byte by byte without an early exit, so neither the length nor
    /// the first differing byte shows in the time taken.
    static func constantTimeEqual(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        let a = Array(SHA256.hash(data: given))
        let b = Array(SHA256.hash(data: expected))
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }

    /// Bounce types that mean the address will never take mail (hard), and those that mean
    /// not now (soft), from Postmark's bounce type list. `SpamComplaint` and `Unsubscribe`
    /// are what their names say; the rest (AutoResponder, AddressChange, Subscribe,
    /// SpamNotification, OpenRelayTest, ChallengeVerification, VirusNotification, Unknown,
    /// SMTPApiError, InboundError, TemplateRenderingFailed, Unconfirmed) say nothing about
    /// the address and are ignored.
    static let hardBounces: Set<String> = ["HardBounce", "BadEmailAddress", "ManuallyDeactivated"]
    static let softBounces: Set<String> = ["SoftBounce", "Transient", "DnsError", "Blocked", "DMARCPolicy"]

    /// One record as ebbflow's event, or nil for one ebbflow does not record.
    ///
    /// The id: Bounce and SpamComplaint records carry Postmark's own `ID`; the others do not,
    /// so theirs is the record type, `MessageID`, the recipient and the record's own time
    /// (`ReceivedAt`, `DeliveredAt`, `ChangedAt`), which together name one record: a second
    /// open of the same message has another time and is another event, a retry the same.
    static func event(_ json: WebhookJSON) throws(WebhookRefusal) -> ProviderEvent? {
        let type = try json.requiredString("RecordType", max: 64)
        let messageID = try json.string("MessageID", max: 256) ?? ""
        let metadata = try json.object("Metadata")
        var properties: [String: Any] = ["provider_type": type, "message_id": messageID]
        var email = try json.string("Recipient", max: ProviderEventRecorder.maxEmailBytes)
        var occurredAt: Date?
        var url: String?
        var id: String
        let kind: String
        switch type {
        case "Open":
            kind = "open"
            occurredAt = try json.isoTime("ReceivedAt")
        case "Click":
            kind = "click"
            occurredAt = try json.isoTime("ReceivedAt")
            url = try json.string("OriginalLink", max: ProviderEventRecorder.maxURLBytes)
        case "Delivery":
            kind = "delivered"
            occurredAt = try json.isoTime("DeliveredAt")
        case "Bounce", "SpamComplaint":
            email = try json.string("Email", max: ProviderEventRecorder.maxEmailBytes)
            occurredAt = try json.isoTime("BouncedAt")
            let bounceType = try json.string("Type", max: 64) ?? ""
            properties["bounce_type"] = bounceType
            properties["reason"] = try json.string("Description")
            if type == "SpamComplaint" || bounceType == "SpamComplaint" {
                kind = "complaint"
            } else if bounceType == "Unsubscribe" {
                kind = "unsubscribe"
            } else if hardBounces.contains(bounceType) {
                kind = "bounce"
                properties["type"] = "hard"
            } else if softBounces.contains(bounceType) {
                kind = "bounce"
                properties["type"] = "soft"
            } else {
                return nil
            }
        case "SubscriptionChange":
            occurredAt = try json.isoTime("ChangedAt")
            guard let suppress = try json.bool("SuppressSending") else {
                throw .malformed("SuppressSending is required", field: "SuppressSending")
            }
            let reason = try json.string("SuppressionReason", max: 64)
            properties["suppression_reason"] = reason
            // What made Postmark stop sending decides the kind; lifting it is a resubscribe.
            switch (suppress, reason) {
            case (false, _):
                kind = "resubscribe"
                properties["consent_source"] = "postmark SubscriptionChange"
            case (true, "HardBounce"):
                kind = "bounce"
                properties["type"] = "hard"
            case (true, "SpamComplaint"): kind = "complaint"
            case (true, _): kind = "unsubscribe"
            }
        default: return nil
        }
        if let numeric = try json.number("ID"), type == "Bounce" || type == "SpamComplaint", numeric >= 0,
            numeric < 9e15, numeric == numeric.rounded()
        {
            id = "\(type):\(Int64(numeric))"
        } else {
            // The time in whole milliseconds: a stable text whatever the fraction digits given.
            let at = occurredAt.map { "\(Int64(($0.timeIntervalSince1970 * 1_000).rounded()))" } ?? ""
            id = [type, messageID, email ?? "", at].joined(separator: ":")
        }
        if id.utf8.count > ProviderEventRecorder.maxIDBytes {
            id = "derived:" + SHA256.hash(data: Data(id.utf8)).map { String(format: "%02x", $0) }.joined()
        }
        return ProviderEvent(
            provider: "postmark", providerEventID: id, kind: kind, occurredAt: occurredAt,
            sendID: metadata?.sendID(), email: email, url: url, properties: WebhookJSON.properties(properties))
    }
}
