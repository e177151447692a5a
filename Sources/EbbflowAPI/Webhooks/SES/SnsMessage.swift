// One Amazon SNS message as posted to an HTTP endpoint (Notification, SubscriptionConfirmation, UnsubscribeConfirmation), read strictly.
import Foundation

/// The JSON document SNS posts, before anything about it is trusted. Why strict: every field
/// that is signed must be exactly what the signature covers, so a value that is not text, a key
/// SNS does not send or a type it does not have is refused (400) rather than guessed at.
struct SnsMessage: Sendable, Equatable {
    enum Kind: String, Sendable {
        case notification = "Notification"
        case subscriptionConfirmation = "SubscriptionConfirmation"
        case unsubscribeConfirmation = "UnsubscribeConfirmation"
    }

    var kind: Kind
    var messageID: String
    var topicARN: String
    var subject: String?
    var message: String
    var timestamp: String
    var signatureVersion: String
    var signature: String
    var signingCertURL: String
    /// Confirmations only: the token and the URL that confirms the subscription.
    var token: String?
    var subscribeURL: String?

    /// Keys SNS writes. `UnsubscribeURL` (notifications), `MessageAttributes` (when the
    /// publisher set some) and `SequenceNumber` (FIFO topics) are not signed and not used.
    static let knownKeys: Set<String> = [
        "Type", "MessageId", "TopicArn", "Subject", "Message", "Timestamp", "SignatureVersion", "Signature",
        "SigningCertURL", "Token", "SubscribeURL", "UnsubscribeURL", "MessageAttributes", "SequenceNumber",
    ]

    /// Parses `body`, or throws `SnsMalformed` naming the field.
    static func parse(_ body: [UInt8]) throws -> SnsMessage {
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
                throw SnsMalformed("the body must be a JSON object (an Amazon SNS message)", field: nil)
            }
            object = parsed
        } catch let error as SnsMalformed {
            throw error
        } catch {
            throw SnsMalformed("the body is not valid JSON", field: nil)
        }
        if let unknown = object.keys.sorted().first(where: { !knownKeys.contains($0) }) {
            throw SnsMalformed("unknown key \"\(unknown.prefix(64))\" in an Amazon SNS message", field: unknown)
        }
        let typeText = try text(object, "Type")
        guard let kind = Kind(rawValue: typeText) else {
            throw SnsMalformed(
                "Type must be Notification, SubscriptionConfirmation or UnsubscribeConfirmation, got \"\(typeText.prefix(64))\"",
                field: "Type")
        }
        var parsed = SnsMessage(
            kind: kind, messageID: try text(object, "MessageId", limit: 128), topicARN: try text(object, "TopicArn"),
            subject: try optionalText(object, "Subject"), message: try text(object, "Message", limit: 1 << 20),
            timestamp: try text(object, "Timestamp", limit: 64), signatureVersion: try text(object, "SignatureVersion"),
            signature: try text(object, "Signature", limit: 4_096), signingCertURL: try text(object, "SigningCertURL"))
        _ = try optionalText(object, "UnsubscribeURL", limit: 2_048)
        _ = try optionalText(object, "SequenceNumber")
        if let attributes = object["MessageAttributes"], !(attributes is [String: Any]) {
            throw SnsMalformed("MessageAttributes must be an object", field: "MessageAttributes")
        }
        if kind == .notification {
            for key in ["Token", "SubscribeURL"] where object[key] != nil {
                throw SnsMalformed("\(key) is not part of a Notification", field: key)
            }
        } else {
            if object["Subject"] != nil {
                throw SnsMalformed("Subject is not part of a \(kind.rawValue)", field: "Subject")
            }
            parsed.token = try text(object, "Token", limit: 2_048)
            parsed.subscribeURL = try text(object, "SubscribeURL", limit: 4_096)
        }
        return parsed
    }

    private static func optionalText(_ object: [String: Any], _ key: String, limit: Int = 1_024) throws -> String? {
        guard object[key] != nil else { return nil }
        return try text(object, key, limit: limit)
    }

    private static func text(_ object: [String: Any], _ key: String, limit: Int = 1_024) throws -> String {
        guard let value = object[key] else { throw SnsMalformed("\(key) is missing", field: key) }
        guard let text = value as? String else { throw SnsMalformed("\(key) must be text", field: key) }
        guard text.utf8.count <= limit else {
            throw SnsMalformed("\(key) is longer than \(limit) bytes", field: key)
        }
        return text
    }
}

/// A body that is not an Amazon SNS message: the client's 400, with the field at fault.
struct SnsMalformed: Error, Sendable {
    let reason: String
    let field: String?
    init(_ reason: String, field: String?) {
        self.reason = reason
        self.field = field
    }
}
