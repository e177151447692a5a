// What went wrong with a submission or a connection, and whether trying again later can help.

/// Why one error type for replies and failures: delivery records the text (`last_error`) and
/// decides by `isTransient`; the kind tells an operator where to look. Its text never holds a
/// password or a message body.
public struct SMTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The server answered a command with 4xx or 5xx (`reply` holds it).
        case rejected
        /// Refused, reset or closed before the reply we waited for.
        case connection
        /// No reply within the command's timeout (`SMTPTimeouts`).
        case timeout
        /// The TLS handshake failed (an untrusted certificate, a wrong name, no common cipher).
        case tls
        /// The server said something SMTP does not allow (a malformed reply, 354 where 250 was due).
        case protocolViolation
        /// AUTH was refused, or no mechanism we speak is offered: the URL's credentials need fixing.
        case authentication
        /// The server cannot be used as configured (STARTTLS required but not offered, credentials
        /// given but no AUTH offered).
        case configuration
        /// The message itself cannot be sent (a bad address, a header with CR/LF): never retried.
        case invalidMessage
        /// The caller's task was cancelled before this message was sent.
        case cancelled
    }

    public var kind: Kind
    /// The server's reply, when the error is one.
    public var reply: SMTPReply?
    /// What happened, for logs and `sends.last_error`.
    public var message: String

    public init(_ kind: Kind, _ message: String, reply: SMTPReply? = nil) {
        self.kind = kind
        self.message = message
        self.reply = reply
    }

    /// Whether the same message may succeed later: a 4xx, and every failure of the connection or
    /// of its setup (nothing about the message was judged); false for a 5xx and a bad message.
    public var isTransient: Bool {
        switch kind {
        case .rejected: return !(reply?.isPermanentNegative ?? false)
        case .invalidMessage: return false
        default: return true
        }
    }

    /// Errors an operator must fix (credentials, TLS setup, the relay's offer); retrying without a
    /// change cannot help, yet the messages are kept (transient) so nothing is lost.
    public var isConfigurationError: Bool { kind == .authentication || kind == .configuration || kind == .tls }

    public var description: String { message }

    static func rejected(_ command: String, _ reply: SMTPReply) -> SMTPError {
        SMTPError(.rejected, "\(command) refused: \(reply)", reply: reply)
    }
}
