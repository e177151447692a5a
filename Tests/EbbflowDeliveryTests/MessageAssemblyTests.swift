// The headers every delivered message carries: Message-ID from the send id, one-click unsubscribe, the send-id header; and the webhook's signature.
import EbbflowEngine
import EbbflowMail
import Foundation
import Testing

@testable import EbbflowDelivery

@Suite struct MessageAssemblyTests {
    let from = try! SenderAddress("News <news@example.com>")

    func rendered(_ id: Int64, unsubscribe: String?) -> RenderedMessage {
        RenderedMessage(
            sendID: id, to: "ada@example.org", from: nil, replyTo: nil, subject: "Hi", html: "<p>Hi</p>", text: "Hi",
            unsubscribeURL: unsubscribe, missingVariables: [])
    }

    @Test func headersAndMessageID() {
        let assembly = MessageAssembly(defaultFrom: from, unsubscribeMailto: "unsub@example.com")
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        let message = assembly.message(for: rendered(42, unsubscribe: "https://mail.example.com/u/tok"), date: date)
        #expect(message.from == "News <news@example.com>" && message.to == "ada@example.org")
        #expect(message.messageID == "ebbflow-send-42@example.com")
        #expect(MessageAssembly.sendID(fromMessageID: "<\(message.messageID)>") == 42)
        #expect(
            message.headers == [
                MailHeader(
                    "List-Unsubscribe",
                    "<https://mail.example.com/u/tok>, <mailto:unsub@example.com?subject=unsubscribe-42>"),
                MailHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                MailHeader("X-Ebbflow-Send-ID", "42"),
            ])
        // The same send assembles the same message on every attempt.
        #expect(
            assembly.message(for: rendered(42, unsubscribe: "https://mail.example.com/u/tok"), date: date) == message)
        var own = rendered(7, unsubscribe: nil)
        own.from = "Team <team@other.example>"
        let plain = MessageAssembly(defaultFrom: from, unsubscribeMailto: nil).message(for: own, date: date)
        #expect(plain.from == "Team <team@other.example>" && plain.headers == [MailHeader("X-Ebbflow-Send-ID", "7")])
        let mailtoOnly = MessageAssembly(defaultFrom: from, unsubscribeMailto: "u@example.com")
            .message(for: rendered(8, unsubscribe: nil), date: date)
        #expect(!mailtoOnly.headers.contains { $0.name == "List-Unsubscribe-Post" }, "RFC 8058 needs an HTTPS URI")
    }

    @Test func signatureVerifiesAndRefusesTampering() {
        let signature = WebhookSignature(secret: "0123456789abcdef-secret")
        let body = Array(#"{"send_id":1}"#.utf8)
        let header = signature.value(body: body, timestamp: 1_800_000_000)
        #expect(header.hasPrefix("t=1800000000,v1=") && header.count == "t=1800000000,v1=".count + 64)
        #expect(signature.verifies(header, body: body))
        #expect(!signature.verifies(header, body: Array(#"{"send_id":2}"#.utf8)))
        #expect(!signature.verifies(header.replacingOccurrences(of: "t=1800000000", with: "t=1800000001"), body: body))
        #expect(!WebhookSignature(secret: "another-secret-entirely").verifies(header, body: body))
    }

    @Test func webhookMessageIDIsTakenOnlyWhenPlausible() {
        #expect(WebhookTransport.messageID(in: #"{"message_id":"prov-1"}"#) == "prov-1")
        #expect(WebhookTransport.messageID(in: #"{"message_id":""}"#) == nil)
        #expect(WebhookTransport.messageID(in: #"{"message_id":"a\nb"}"#) == nil)
        #expect(WebhookTransport.messageID(in: "ok") == nil)
        #expect(WebhookTransport.messageID(in: #"{"message_id":"\#(String(repeating: "x", count: 999))"}"#) == nil)
    }
}
