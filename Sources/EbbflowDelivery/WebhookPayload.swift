// The JSON body the delivery webhook POSTs for one message (documented in README and docs/delivery-webhook.example.json).
import EbbflowEngine
import EbbflowMail
import Foundation

/// Why everything the message needs is in the body and nothing must be looked up: the team's
/// sender hands it to its provider as is. `message_id` is also the request's
/// `Idempotency-Key`, the same on every attempt of the send, so the receiver can drop a repeat.
struct WebhookPayload: Encodable {
    struct Header: Encodable {
        var name: String
        var value: String
    }

    var sendID: Int64
    var attempt: Int
    var messageID: String
    var from: String
    var to: String
    var replyTo: String?
    var subject: String
    var html: String?
    var text: String?
    var headers: [Header]
    var template: String
    var templateVersion: Int?
    var externalID: String
    var flow: String
    var experiment: String?
    var variant: String?

    enum CodingKeys: String, CodingKey {
        case attempt, from, to, subject, html, text, headers, template, flow, experiment, variant
        case sendID = "send_id", messageID = "message_id", replyTo = "reply_to"
        case templateVersion = "template_version", externalID = "external_id"
    }

    init(send: LeasedSend, message: MailMessage) {
        sendID = send.id
        attempt = send.attempt
        messageID = message.messageID
        from = message.from
        to = message.to
        replyTo = message.replyTo
        subject = message.subject
        html = message.html
        text = message.text
        headers = message.headers.map { Header(name: $0.name, value: $0.value) }
        template = send.template
        templateVersion = send.templateVersion
        externalID = send.externalID
        flow = send.flow
        experiment = send.experiment
        variant = send.variant
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }
}
