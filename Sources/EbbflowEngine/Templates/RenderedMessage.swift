// A send rendered from its template version for its contact: what delivery turns into a message.
import Foundation

/// The content of one send as its contact receives it. Delivery adds the envelope and headers
/// (`EBBFLOW_FROM` when `from` is nil, Message-ID, List-Unsubscribe from `unsubscribeURL`).
public struct RenderedMessage: Sendable, Equatable {
    public var sendID: Int64
    /// The contact's address.
    public var to: String
    /// The template's `from`, if it has one.
    public var from: String?
    public var replyTo: String?
    public var subject: String
    /// Nil when the send goes as plain text only (`format: plain`) or the template has no HTML.
    public var html: String?
    public var text: String?
    /// The contact's signed one-click unsubscribe URL; nil when `EBBFLOW_PUBLIC_URL` is not set.
    public var unsubscribeURL: String?
    /// Variables the template named that had no value (each rendered empty, and counted).
    public var missingVariables: [String]

    public init(
        sendID: Int64, to: String, from: String?, replyTo: String?, subject: String, html: String?, text: String?,
        unsubscribeURL: String?, missingVariables: [String]
    ) {
        self.sendID = sendID
        self.to = to
        self.from = from
        self.replyTo = replyTo
        self.subject = subject
        self.html = html
        self.text = text
        self.unsubscribeURL = unsubscribeURL
        self.missingVariables = missingVariables
    }
}
