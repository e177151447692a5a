// Turns a rendered send into the message on the wire: sender, Message-ID, one-click unsubscribe and send-id headers.
import EbbflowEngine
import EbbflowMail
import Foundation

/// Why every header is decided here and nowhere else: the SMTP and webhook transports must send
/// the same message, and a retry must send the same message as the first attempt. The
/// Message-ID depends on the send id alone (and the sender's domain, which is configuration),
/// so a message delivered twice after a crash is recognisable as one send's duplicate.
public struct MessageAssembly: Sendable {
    public let defaultFrom: SenderAddress
    public let unsubscribeMailto: String?

    /// The header providers' webhooks read the send id from (SES echoes headers; SendGrid,
    /// Mailgun and Postmark read custom arguments, which a relay maps from it).
    public static let sendIDHeader = "X-Ebbflow-Send-ID"

    public init(defaultFrom: SenderAddress, unsubscribeMailto: String?) {
        self.defaultFrom = defaultFrom
        self.unsubscribeMailto = unsubscribeMailto
    }

    /// `ebbflow-send-<id>@<domain of EBBFLOW_FROM>`, without angle brackets.
    public func messageID(sendID: Int64) -> String { "ebbflow-send-\(sendID)@\(defaultFrom.domain)" }

    /// The send id a Message-ID of ours names, or nil.
    public static func sendID(fromMessageID text: String) -> Int64? {
        var value = Substring(text)
        if value.hasPrefix("<") { value = value.dropFirst() }
        if value.hasSuffix(">") { value = value.dropLast() }
        guard value.hasPrefix("ebbflow-send-"), let at = value.firstIndex(of: "@") else { return nil }
        return Int64(value[value.index(value.startIndex, offsetBy: 13)..<at])
    }

    public func message(for rendered: RenderedMessage, date: Date) -> MailMessage {
        var headers: [MailHeader] = []
        var targets: [String] = []
        if let url = rendered.unsubscribeURL { targets.append("<\(url)>") }
        if let mailto = unsubscribeMailto {
            targets.append("<mailto:\(mailto)?subject=unsubscribe-\(rendered.sendID)>")
        }
        if !targets.isEmpty { headers.append(MailHeader("List-Unsubscribe", targets.joined(separator: ", "))) }
        // RFC 8058: the one-click POST needs an HTTPS URI in List-Unsubscribe (a mailto alone is not one).
        if rendered.unsubscribeURL != nil {
            headers.append(MailHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        }
        headers.append(MailHeader(Self.sendIDHeader, "\(rendered.sendID)"))
        return MailMessage(
            from: rendered.from ?? defaultFrom.text, to: rendered.to, replyTo: rendered.replyTo,
            subject: rendered.subject, html: rendered.html, text: rendered.text,
            messageID: messageID(sendID: rendered.sendID), date: date, headers: headers)
    }
}
