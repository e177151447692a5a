// How the SMTP client's answers become send outcomes: accepted, retried, dead, and a hard bounce only for a refused mailbox.
import EbbflowMail
import Testing

@testable import EbbflowDelivery

@Suite struct SMTPOutcomeTests {
    func rejected(_ command: String, _ code: Int, _ status: String?) -> SMTPError {
        SMTPError(
            .rejected, "\(command) refused: \(code)",
            reply: SMTPReply(code: code, enhancedStatus: status, lines: ["\(status ?? "") text"]))
    }

    @Test func outcomes() {
        let accepted = SMTPTransport.outcome(.accepted(SMTPReply(code: 250, lines: ["ok"])), messageID: "m@x")
        #expect(accepted == .accepted(messageID: "m@x"))
        let busy = SMTPTransport.outcome(.transient(rejected("RCPT TO", 450, "4.2.1")), messageID: "m@x")
        #expect(busy.metricName == "transient")
        let lost = SMTPTransport.outcome(.transient(SMTPError(.connection, "connection lost")), messageID: "m@x")
        #expect(lost == .transient("connection lost"))
        let noUser = SMTPTransport.outcome(.permanent(rejected("RCPT TO", 550, "5.1.1")), messageID: "m@x")
        #expect(noUser.metricName == "bounced")
        let content = SMTPTransport.outcome(.permanent(rejected("the message", 554, "5.6.0")), messageID: "m@x")
        #expect(content.metricName == "permanent")
        let policy = SMTPTransport.outcome(.permanent(rejected("RCPT TO", 550, "5.7.1")), messageID: "m@x")
        #expect(policy.metricName == "permanent", "a policy refusal is not a missing mailbox")
        let bare = SMTPTransport.outcome(.permanent(rejected("RCPT TO", 550, nil)), messageID: "m@x")
        #expect(bare.metricName == "bounced")
        let sender = SMTPTransport.outcome(.permanent(rejected("MAIL FROM", 550, "5.1.8")), messageID: "m@x")
        #expect(sender.metricName == "permanent", "the sender's address refused is not the contact's bounce")
    }
}
