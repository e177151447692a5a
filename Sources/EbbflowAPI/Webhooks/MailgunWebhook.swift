// POST /webhooks/mailgun: Mailgun's signed JSON webhook (HMAC-SHA256 of timestamp + token) turned into a provider event.
import Crypto
import EbbflowEngine
import Foundation
import Hummingbird

/// Mailgun posts one event a request: `{"signature": {"timestamp", "token", "signature"},
/// "event-data": {...}}`, the signature being hex HMAC-SHA256 of timestamp + token with the
/// account's HTTP webhook signing key (`EBBFLOW_MAILGUN_SIGNING_KEY`). The body itself is not
/// signed, which is why the token is single-use: a captured request replayed with another
/// event-data would verify; its token is refused instead (`webhook_tokens`, api 0002), and spent
/// even when the event-data is refused as malformed. A retry
/// of the same event comes signed anew (a new token) and is stored once by `event-data.id`.
struct MailgunWebhook: Sendable {
    let key: SymmetricKey

    func accept(_ headers: HTTPFields, body: [UInt8]) throws(WebhookRefusal) -> WebhookDelivery {
        // Nothing unsigned is read but the signature itself: a body without one is a 401.
        guard let top = try? WebhookJSON.parse(body), let object = top as? [String: Any],
            let signature = object["signature"] as? [String: Any]
        else { throw .signature("the body must be Mailgun's JSON with a \"signature\" object") }
        let signedAt = try verify(WebhookJSON(values: signature, path: "signature"))
        let root = WebhookJSON(values: object, path: "")
        var delivery = WebhookDelivery(events: [], signedAt: signedAt.at, replayToken: signedAt.token)
        do throws(WebhookRefusal) {
            guard let data = try root.object("event-data") else {
                throw WebhookRefusal.malformed("event-data is required", field: "event-data")
            }
            if let event = try Self.event(data) { delivery.events.append(event) } else { delivery.ignored = 1 }
        } catch {
            // The body is not signed: the token is spent all the same, so this signature cannot
            // carry other event-data later.
            delivery.payloadRefusal = error
        }
        return delivery
    }

    /// The signed time and token, once the signature verified.
    func verify(_ signature: WebhookJSON) throws(WebhookRefusal) -> (at: Date, token: String) {
        guard let timestamp = try? signature.string("timestamp", max: 12),
            let token = try? signature.string("token", max: 256),
            let hex = try? signature.string("signature", max: 64), !token.isEmpty
        else { throw .signature("signature.timestamp, signature.token and signature.signature are required strings") }
        guard let seconds = Int64(timestamp), seconds >= 0 else {
            throw .signature("signature.timestamp must be Unix seconds")
        }
        guard let mac = Self.bytes(hex: hex), mac.count == 32 else {
            throw .signature("signature.signature must be 64 hexadecimal digits")
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Data((timestamp + token).utf8), using: key)
        else { throw .signature("the signature does not verify with the configured Mailgun signing key") }
        return (Date(timeIntervalSince1970: TimeInterval(seconds)), token)
    }

    /// One Mailgun event as ebbflow's, or nil for a type ebbflow does not record (accepted,
    /// rejected, stored…). `failed`: `severity` permanent is a hard bounce, temporary a soft
    /// one, except the drops Mailgun makes for its own suppression lists (`reason`
    /// `suppress-unsubscribe`, `suppress-complaint`), which record what put the address there.
    static func event(_ json: WebhookJSON) throws(WebhookRefusal) -> ProviderEvent? {
        let type = try json.requiredString("event", max: 64)
        let id = try json.requiredString("id", max: ProviderEventRecorder.maxIDBytes)
        let email = try json.string("recipient", max: ProviderEventRecorder.maxEmailBytes)
        let occurredAt = try json.unixTime("timestamp")
        var properties: [String: Any] = ["provider_type": type]
        let kind: String
        var url: String?
        var bot = false
        var machineOpen = false
        switch type {
        case "opened": kind = "open"
        case "clicked":
            kind = "click"
            url = try json.string("url", max: ProviderEventRecorder.maxURLBytes)
        case "failed":
            let severity = try json.string("severity", max: 64)
            let reason = try json.string("reason", max: 256)
            properties["reason"] = reason
            properties["severity"] = severity
            switch (reason, severity) {
            case ("suppress-unsubscribe", _): kind = "unsubscribe"
            case ("suppress-complaint", _): kind = "complaint"
            case (_, "permanent"):
                kind = "bounce"
                properties["type"] = "hard"
            case (_, "temporary"):
                kind = "bounce"
                properties["type"] = "soft"
            default:
                throw .malformed(
                    "event-data.severity must be \"permanent\" or \"temporary\" for a failed event",
                    field: json.field("severity"))
            }
        case "complained": kind = "complaint"
        case "unsubscribed": kind = "unsubscribe"
        case "delivered": kind = "delivered"
        default: return nil
        }
        // Mailgun names the bot it recognised (`client-info.bot`: "apple" for Mail Privacy Protection, "gmail" for its proxy).
        if let client = try json.object("client-info"), let name = try client.string("bot", max: 64), !name.isEmpty {
            properties["bot"] = name
            if kind == "open" { machineOpen = true } else { bot = true }
        }
        let variables = try json.object("user-variables")
        return ProviderEvent(
            provider: "mailgun", providerEventID: id, kind: kind, occurredAt: occurredAt,
            sendID: variables?.sendID(), email: email, machineOpen: machineOpen, bot: bot, url: url,
            properties: WebhookJSON.properties(properties))
    }

    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 48...57: c - 48
            case 97...102: c - 87
            case 65...70: c - 55
            default: nil
            }
        }
        var result: [UInt8] = []
        result.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            result.append(high << 4 | low)
            index += 2
        }
        return result
    }
}
