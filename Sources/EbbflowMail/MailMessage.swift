// One message to one recipient, as the SMTP client submits it: envelope, headers and both bodies.
import Foundation

/// Why plain values and no builder: delivery fills every field from a rendered send, and the
/// MIME writer (`MIMEWriter`) is the one place that turns them into bytes.
public struct MailMessage: Sendable, Equatable {
    /// `Name <address>` or a bare address; the envelope sender is its address.
    public var from: String
    /// The recipient's address (the envelope's one RCPT TO).
    public var to: String
    public var replyTo: String?
    public var subject: String
    /// With `text`, the message is multipart/alternative; alone, text/html.
    public var html: String?
    public var text: String?
    /// Without angle brackets, e.g. `send-42@ebbflow.example.com`.
    public var messageID: String
    public var date: Date
    /// Further headers in order (List-Unsubscribe, List-Unsubscribe-Post, X-Ebbflow-Send-ID).
    public var headers: [MailHeader]

    public init(
        from: String, to: String, replyTo: String? = nil, subject: String, html: String?, text: String?,
        messageID: String, date: Date, headers: [MailHeader] = []
    ) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.html = html
        self.text = text
        self.messageID = messageID
        self.date = date
        self.headers = headers
    }
}

/// A header field; the MIME writer encodes and folds its value.
public struct MailHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
