// What became of one message handed to SMTPClient.send: accepted, try again later, or refused for good.

public enum SMTPSubmission: Sendable, Equatable, CustomStringConvertible {
    /// The server's 250 after the data; its text often carries the relay's queue id.
    case accepted(SMTPReply)
    /// A 4xx, or the connection (or its setup: TLS, AUTH, a timeout) failed before this message's
    /// final reply: the message may or may not have arrived only when the data was sent and the
    /// reply to it was lost (a duplicate is then possible, never a loss).
    case transient(SMTPError)
    /// A 5xx to MAIL, RCPT, DATA or the data, or a message that cannot be written (a bad address).
    case permanent(SMTPError)

    public var isAccepted: Bool {
        if case .accepted = self { return true }
        return false
    }

    /// The error of a message not accepted.
    public var error: SMTPError? {
        switch self {
        case .accepted: return nil
        case .transient(let error), .permanent(let error): return error
        }
    }

    public var description: String {
        switch self {
        case .accepted(let reply): return "accepted: \(reply)"
        case .transient(let error): return "transient: \(error)"
        case .permanent(let error): return "permanent: \(error)"
        }
    }
}
