// Delivers messages over the process's one SMTP client (one connection reused, pipelined where offered).
import EbbflowMail
import Foundation

/// How the client's answers map: 250 after the data accepted (the send records our
/// Message-ID: the relay's queue id names nothing the provider's webhooks know); 4xx and
/// every connection failure transient; 5xx permanent, and a hard bounce when the relay refused
/// the recipient as non-existent (`5.1.x` at RCPT: bad mailbox, bad system, bad syntax, ...).
public final class SMTPTransport: DeliveryTransport {
    public let name = "smtp"
    let client: SMTPClient

    public init(client: SMTPClient) { self.client = client }

    public func submit(_ items: [DeliveryItem]) async -> [DeliveryOutcome] {
        let submissions: [SMTPSubmission]
        do {
            submissions = try await client.send(items.map(\.message))
        } catch {
            return items.map { _ in .transient("SMTP submission failed: \(error)") }
        }
        guard submissions.count == items.count else {
            return items.map { _ in
                .transient("the SMTP client answered \(submissions.count) of \(items.count) messages")
            }
        }
        return zip(items, submissions).map { item, submission in
            Self.outcome(submission, messageID: item.message.messageID)
        }
    }

    public func close() async { await client.close() }

    static func outcome(_ submission: SMTPSubmission, messageID: String) -> DeliveryOutcome {
        switch submission {
        case .accepted: return .accepted(messageID: messageID)
        case .transient(let error): return .transient(error.description)
        case .permanent(let error): return .permanent(error.description, hardBounce: isHardBounce(error))
        }
    }

    /// A 5xx to RCPT whose enhanced status says the address is bad (RFC 3463 `5.1.x`).
    static func isHardBounce(_ error: SMTPError) -> Bool {
        guard error.kind == .rejected, let reply = error.reply, reply.isPermanentNegative,
            error.message.hasPrefix("RCPT")
        else { return false }
        if let status = reply.enhancedStatus { return status.hasPrefix("5.1.") }
        // Without an enhanced code, RFC 5321's "mailbox unavailable" / "user not local" codes.
        return reply.code == 550 || reply.code == 551 || reply.code == 553
    }
}
