// Turns the SES event an SNS Notification carries (event publishing's `eventType`, notifications' `notificationType`) into ProviderEvents.
import EbbflowEngine
import Foundation

/// What a verified SES event becomes: ebbflow events, or nothing, with the reason it is ignored.
struct SesMappedEvents: Sendable, Equatable {
    var events: [ProviderEvent]
    /// Why nothing is recorded (a `Send`, a `DeliveryDelay`, ...), when `events` is empty.
    var ignored: String?
}

/// Why this mapping (SES's "event publishing" and "notification" contents):
/// - `Bounce`: one event per `bouncedRecipients[]`; `bounceType` Permanent is a hard bounce,
///   Transient and Undetermined soft ones (SES says Undetermined gives it too little to judge,
///   and a soft bounce only suppresses after repeats).
/// - `Complaint`: one per `complainedRecipients[]`, except a `not-spam` feedback report (the
///   recipient said the opposite).
/// - `Delivery`: one per `delivery.recipients[]`. `Open`, `Click` (`click.link`): one each.
/// - `Subscription` (SES's own list management): `unsubscribeAll` turned on is an unsubscribe,
///   turned off a resubscribe with its consent source; a change of topics alone is ignored
///   (ebbflow has no topics).
/// - `Send`, `Reject` (SES refused to send: nothing about the recipient), `DeliveryDelay` (SES
///   still retries; a bounce follows if it gives up), `Rendering Failure`, SES's test message
///   `AmazonSnsSubscriptionSucceeded`, and types SES adds later: ignored and counted.
/// The send id comes from the tag `ebbflow_send_id`, else the `X-Ebbflow-Send-Id` header when
/// SES includes headers; an open, click or subscription names no recipient, so its address is
/// `mail.destination` when that holds exactly one.
enum SesEventMapping {
    static let maxEvents = 1_000

    static func map(message text: String, messageID: String) throws -> SesMappedEvents {
        guard let data = text.data(using: .utf8),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else {
            throw SnsMalformed("Message must be a JSON object (an Amazon SES event)", field: "Message")
        }
        guard let type = (object["eventType"] ?? object["notificationType"]) as? String else {
            throw SnsMalformed("the SES event has no eventType or notificationType", field: "Message.eventType")
        }
        let mail = object["mail"] as? [String: Any] ?? [:]
        let context = Context(messageID: messageID, sendID: sendID(mail), destination: destination(mail))
        var drafts: [Draft]
        switch type {
        case "Bounce":
            drafts = try bounces(try section(object, "bounce"))
        case "Complaint":
            let complaint = try section(object, "complaint")
            if (complaint["complaintFeedbackType"] as? String)?.lowercased() == "not-spam" {
                return SesMappedEvents(events: [], ignored: "Complaint with feedback type not-spam")
            }
            drafts = try recipients(complaint, "complainedRecipients", path: "complaint").map {
                Draft(
                    kind: "complaint", email: $0, at: complaint["timestamp"],
                    properties: ["provider_type": bounded(complaint["complaintFeedbackType"]) ?? "complaint"])
            }
        case "Delivery":
            let delivery = try section(object, "delivery")
            guard let list = delivery["recipients"] as? [Any] else {
                throw SnsMalformed("delivery.recipients must be a list", field: "Message.delivery.recipients")
            }
            drafts = list.map { Draft(kind: "delivered", email: bounded($0), at: delivery["timestamp"]) }
        case "Open":
            let open = try section(object, "open")
            drafts = [Draft(kind: "open", email: context.destination, at: open["timestamp"])]
        case "Click":
            let click = try section(object, "click")
            guard let link = click["link"] as? String, !link.isEmpty, link.utf8.count <= 4_096 else {
                throw SnsMalformed("click.link must be a URL of at most 4096 bytes", field: "Message.click.link")
            }
            drafts = [Draft(kind: "click", email: context.destination, at: click["timestamp"], url: link)]
        case "Subscription":
            let subscription = try section(object, "subscription")
            let before = (subscription["oldTopicPreferences"] as? [String: Any])?["unsubscribeAll"] as? Bool
            let after = (subscription["newTopicPreferences"] as? [String: Any])?["unsubscribeAll"] as? Bool
            switch (before, after) {
            case (_, true?) where before != true:
                drafts = [Draft(kind: "unsubscribe", email: context.destination, at: subscription["timestamp"])]
            case (true?, false?):
                drafts = [
                    Draft(
                        kind: "resubscribe", email: context.destination, at: subscription["timestamp"],
                        properties: ["consent_source": "ses subscription"])
                ]
            default:
                return SesMappedEvents(events: [], ignored: "Subscription change of topics only")
            }
        default:
            return SesMappedEvents(events: [], ignored: "\(type.prefix(40)) events are not recorded")
        }
        guard drafts.count <= maxEvents else {
            throw SnsMalformed("the SES event names more than \(maxEvents) recipients", field: "Message")
        }
        return SesMappedEvents(
            events: try drafts.enumerated().map { index, draft in
                try draft.event(context, index: index, of: drafts.count)
            }, ignored: drafts.isEmpty ? "\(type.prefix(40)) with no recipient" : nil)
    }

    private static func bounces(_ bounce: [String: Any]) throws -> [Draft] {
        let providerType = bounce["bounceType"] as? String ?? "Undetermined"
        let subType = bounce["bounceSubType"] as? String
        let list = bounce["bouncedRecipients"] as? [Any]
        guard let list else {
            throw SnsMalformed("bounce.bouncedRecipients must be a list", field: "Message.bounce.bouncedRecipients")
        }
        return list.map { item in
            let recipient = item as? [String: Any] ?? [:]
            var properties: [String: String] = [
                "type": providerType == "Permanent" ? "hard" : "soft",
                "provider_type": [providerType, subType].compactMap { $0 }.joined(separator: "/").prefix(100)
                    .description,
            ]
            properties["reason"] = bounded(recipient["diagnosticCode"]) ?? bounded(recipient["status"])
            return Draft(
                kind: "bounce", email: bounded(recipient["emailAddress"]), at: bounce["timestamp"],
                properties: properties)
        }
    }

    private static func recipients(_ section: [String: Any], _ key: String, path: String) throws -> [String?] {
        guard let list = section[key] as? [Any] else {
            throw SnsMalformed("\(path).\(key) must be a list", field: "Message.\(path).\(key)")
        }
        return list.map { bounded(($0 as? [String: Any])?["emailAddress"]) }
    }

    private static func section(_ object: [String: Any], _ key: String) throws -> [String: Any] {
        guard let section = object[key] as? [String: Any] else {
            throw SnsMalformed("the SES event has no \(key) object", field: "Message.\(key)")
        }
        return section
    }

    /// `mail.tags.ebbflow_send_id` (a list of one text), else the `X-Ebbflow-Send-Id` header.
    private static func sendID(_ mail: [String: Any]) -> Int64? {
        if let tags = mail["tags"] as? [String: Any], let values = tags["ebbflow_send_id"] as? [Any],
            let id = (values.first as? String).flatMap({ Int64($0) }), id > 0
        {
            return id
        }
        for header in mail["headers"] as? [Any] ?? [] {
            guard let header = header as? [String: Any], let name = header["name"] as? String,
                name.lowercased() == "x-ebbflow-send-id", let value = header["value"] as? String
            else { continue }
            if let id = Int64(value.trimmingCharacters(in: .whitespaces)), id > 0 { return id }
        }
        return nil
    }

    private static func destination(_ mail: [String: Any]) -> String? {
        guard let list = mail["destination"] as? [Any], list.count == 1 else { return nil }
        return bounded(list[0])
    }

    /// Text of at most 320 bytes (an address's limit, and plenty for a reason), trimmed, else nil.
    private static func bounded(_ value: Any?) -> String? {
        guard let text = (value as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
            return nil
        }
        return text.utf8.count <= 320 ? text : String(decoding: text.utf8.prefix(320), as: UTF8.self)
    }

    private struct Context {
        let messageID: String
        let sendID: Int64?
        let destination: String?
    }

    private struct Draft {
        let kind: String
        let email: String?
        let at: Any?
        var url: String? = nil
        var properties: [String: String] = [:]

        /// The provider event id is the SNS MessageId, with the recipient's index when the
        /// message names several: a repeat delivery of the message maps to the same ids.
        func event(_ context: Context, index: Int, of count: Int) throws -> ProviderEvent {
            let data = try JSONSerialization.data(withJSONObject: properties, options: [.sortedKeys])
            return ProviderEvent(
                provider: "ses", providerEventID: count == 1 ? context.messageID : "\(context.messageID):\(index)",
                kind: kind, occurredAt: (at as? String).flatMap(SnsTimestamp.parse), sendID: context.sendID,
                email: email, url: url, properties: String(decoding: data, as: UTF8.self))
        }
    }
}
