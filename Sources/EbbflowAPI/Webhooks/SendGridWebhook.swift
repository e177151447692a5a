// POST /webhooks/sendgrid: SendGrid's signed Event Webhook (ECDSA P-256 over timestamp + body) turned into provider events.
import Crypto
import EbbflowEngine
import Foundation
import HTTPTypes
import Hummingbird

/// SendGrid signs `timestamp + raw body` with ECDSA P-256 and SHA-256, and sends the base64 DER
/// signature and the Unix timestamp in two headers; the operator pastes the verification key
/// SendGrid shows into `EBBFLOW_SENDGRID_PUBLIC_KEY`. The body is a JSON array of events.
struct SendGridWebhook: Sendable {
    let key: P256.Signing.PublicKey

    static let signatureHeader = HTTPField.Name("X-Twilio-Email-Event-Webhook-Signature")!
    static let timestampHeader = HTTPField.Name("X-Twilio-Email-Event-Webhook-Timestamp")!

    func accept(_ headers: HTTPFields, body: [UInt8]) throws(WebhookRefusal) -> WebhookDelivery {
        let signedAt = try verify(headers, body: body)
        guard let array = try WebhookJSON.parse(body) as? [Any] else {
            throw .malformed("the body must be a JSON array of events", field: nil)
        }
        guard array.count <= WebhookLimits.maxEvents else {
            throw .malformed("the body holds more than \(WebhookLimits.maxEvents) events", field: nil)
        }
        var delivery = WebhookDelivery(events: [], signedAt: signedAt)
        for (index, value) in array.enumerated() {
            if let event = try Self.event(try WebhookJSON.object(value, at: "[\(index)]")) {
                delivery.events.append(event)
            } else {
                delivery.ignored += 1
            }
        }
        return delivery
    }

    /// The signed time, once the signature over it and the body verified.
    func verify(_ headers: HTTPFields, body: [UInt8]) throws(WebhookRefusal) -> Date {
        guard let signature = headers[Self.signatureHeader], let timestamp = headers[Self.timestampHeader] else {
            throw .signature("the X-Twilio-Email-Event-Webhook-Signature and -Timestamp headers are required")
        }
        guard timestamp.utf8.count <= 12, let seconds = Int64(timestamp), seconds >= 0 else {
            throw .signature("X-Twilio-Email-Event-Webhook-Timestamp must be Unix seconds")
        }
        guard signature.utf8.count <= 256, let der = Data(base64Encoded: signature),
            let parsed = try? P256.Signing.ECDSASignature(derRepresentation: der)
        else { throw .signature("X-Twilio-Email-Event-Webhook-Signature is not a base64 DER ECDSA signature") }
        var signed = Data(timestamp.utf8)
        signed.append(contentsOf: body)
        guard key.isValidSignature(parsed, for: signed) else {
            throw .signature("the signature does not verify with the configured SendGrid key")
        }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// One SendGrid event as ebbflow's, or nil for a type ebbflow does not record (processed,
    /// deferred, group_resubscribe without consent…: counted as ignored).
    ///
    /// `bounce`: SendGrid's `type` is `bounce` (the receiving server refused the address: hard)
    /// or `blocked` (refused the message for now, a reputation or content block: soft).
    /// `dropped`: SendGrid did not even try, because the address is on its own suppression
    /// lists; the reason says which, and ebbflow records what put it there (`Bounced Address`,
    /// `Invalid` → hard bounce, `Spam Reporting Address` → complaint, `Unsubscribed Address` →
    /// unsubscribe); any other drop reason (a size limit, a rate) says nothing about the
    /// person and is ignored.
    static func event(_ json: WebhookJSON) throws(WebhookRefusal) -> ProviderEvent? {
        let type = try json.requiredString("event", max: 64)
        let email = try json.string("email", max: ProviderEventRecorder.maxEmailBytes)
        let occurredAt = try json.unixTime("timestamp")
        var properties: [String: Any] = ["provider_type": type]
        let kind: String
        var machineOpen = false
        var url: String?
        switch type {
        case "open":
            kind = "open"
            machineOpen = try json.bool("sg_machine_open") ?? false
        case "click":
            kind = "click"
            url = try json.string("url", max: ProviderEventRecorder.maxURLBytes)
        case "bounce":
            kind = "bounce"
            let bounceType = try json.string("type", max: 64)
            properties["type"] = bounceType == "blocked" ? "soft" : "hard"
            properties["reason"] = try json.string("reason")
            properties["classification"] = try json.string("bounce_classification", max: 64)
        case "dropped":
            let reason = try json.string("reason") ?? ""
            properties["reason"] = reason
            switch reason {
            case "Bounced Address", "Invalid":
                kind = "bounce"
                properties["type"] = "hard"
            case "Spam Reporting Address": kind = "complaint"
            case "Unsubscribed Address": kind = "unsubscribe"
            default: return nil
            }
        case "spamreport": kind = "complaint"
        case "unsubscribe", "group_unsubscribe": kind = "unsubscribe"
        case "group_resubscribe":
            kind = "resubscribe"
            properties["consent_source"] = "sendgrid group_resubscribe"
        case "delivered": kind = "delivered"
        default: return nil
        }
        if let group = try json.number("asm_group_id") { properties["asm_group_id"] = group }
        properties["sg_message_id"] = try json.string("sg_message_id", max: 256)
        return ProviderEvent(
            provider: "sendgrid", providerEventID: try eventID(json, type: type), kind: kind, occurredAt: occurredAt,
            sendID: json.sendID(), email: email, machineOpen: machineOpen, url: url,
            properties: WebhookJSON.properties(properties))
    }

    /// `sg_event_id`; an event without one (older drops) is named by a digest of what makes it
    /// that event, so its repeat is still stored once.
    static func eventID(_ json: WebhookJSON, type: String) throws(WebhookRefusal) -> String {
        if let id = try json.string("sg_event_id", max: ProviderEventRecorder.maxIDBytes), !id.isEmpty { return id }
        let parts = [
            type, try json.string("email", max: ProviderEventRecorder.maxEmailBytes) ?? "",
            try json.number("timestamp").map { "\($0)" } ?? "", try json.string("sg_message_id", max: 256) ?? "",
            try json.string("smtp-id", max: 1_024) ?? "",
        ]
        let digest = SHA256.hash(data: Data(parts.joined(separator: "\u{1F}").utf8))
        return "derived:" + digest.map { String(format: "%02x", $0) }.joined()
    }
}
