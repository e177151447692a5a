// Turns a MailMessage into the bytes of an RFC 5322 / MIME message: 7-bit, CRLF, deterministic.

/// Why deterministic (the multipart boundary derives from the Message-ID, the Date is formatted
/// without locale): the same message always gives the same bytes, so tests compare bytes and a
/// message retried after a crash is the same message.
///
/// Layout: From, To, Reply-To, Subject, Date, Message-ID, MIME-Version, the extra headers in
/// their order, then the content: `text/plain` or `text/html` alone, or both as
/// `multipart/alternative` with the text part first (clients show the last part they can).
/// Bodies are UTF-8 in quoted-printable, so every line is ASCII and at most 76 characters.
public struct MIMEWriter: Sendable {
    /// Header names the writer sets itself; an extra header may not repeat them.
    static let reservedHeaders: Set<String> = [
        "from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "mime-version", "content-type",
        "content-transfer-encoding",
    ]
    /// Bounds on what one message may carry, so a runaway template cannot build a huge message.
    public static let maximumBodyBytes = 10 * 1024 * 1024
    public static let maximumHeaders = 50

    public init() {}

    public func write(_ message: MailMessage) throws(MIMEError) -> [UInt8] {
        let from = try MailAddress(parsing: message.from, fieldName: "From")
        let to = try MailAddress(parsing: message.to, fieldName: "To")
        let replyTo = try message.replyTo.map { value throws(MIMEError) in
            try MailAddress(parsing: value, fieldName: "Reply-To")
        }
        try Self.checkMessageID(message.messageID)
        guard message.html != nil || message.text != nil else {
            throw MIMEError(field: "body", "neither html nor text is given")
        }
        guard (message.html?.utf8.count ?? 0) + (message.text?.utf8.count ?? 0) <= Self.maximumBodyBytes else {
            throw MIMEError(field: "body", "is larger than \(Self.maximumBodyBytes) bytes")
        }
        guard message.headers.count <= Self.maximumHeaders else {
            throw MIMEError(field: "headers", "more than \(Self.maximumHeaders) extra headers")
        }

        var lines: [String] = []
        lines.append(try MIMEEncoding.fold(name: "From", value: from.headerValue()))
        lines.append(try MIMEEncoding.fold(name: "To", value: to.headerValue()))
        if let replyTo { lines.append(try MIMEEncoding.fold(name: "Reply-To", value: replyTo.headerValue())) }
        lines.append(try MIMEEncoding.header(name: "Subject", value: message.subject, encodeLongWords: true))
        lines.append("Date: \(RFC5322Date.format(message.date))")
        lines.append("Message-ID: <\(message.messageID)>")
        lines.append("MIME-Version: 1.0")
        for header in message.headers {
            try Self.checkHeaderName(header.name)
            lines.append(try MIMEEncoding.header(name: header.name, value: header.value, encodeLongWords: false))
        }

        var output: [UInt8] = []
        func append(_ line: String) {
            output.append(contentsOf: Array(line.utf8))
            output.append(contentsOf: [0x0D, 0x0A])
        }
        for line in lines { append(line) }
        let parts: [(type: String, body: String)] =
            [message.text.map { ("text/plain", $0) }, message.html.map { ("text/html", $0) }].compactMap { $0 }
        if parts.count == 1 {
            append("Content-Type: \(parts[0].type); charset=utf-8")
            append("Content-Transfer-Encoding: quoted-printable")
            append("")
            output.append(contentsOf: MIMEEncoding.quotedPrintable(parts[0].body))
            if output.last != 0x0A { output.append(contentsOf: [0x0D, 0x0A]) }
        } else {
            let boundary = Self.boundary(for: message.messageID)
            append("Content-Type: multipart/alternative; boundary=\"\(boundary)\"")
            append("")
            append("This is a multi-part message in MIME format.")
            for part in parts {
                append("--\(boundary)")
                append("Content-Type: \(part.type); charset=utf-8")
                append("Content-Transfer-Encoding: quoted-printable")
                append("")
                output.append(contentsOf: MIMEEncoding.quotedPrintable(part.body))
                // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1), so the
                // part keeps its own last line break.
                output.append(contentsOf: [0x0D, 0x0A])
            }
            append("--\(boundary)--")
        }
        return output
    }

    /// `=_ebbflow_` and a 64-bit FNV-1a hash of the Message-ID in hex. Why it cannot collide
    /// with the content: in quoted-printable, '=' is always followed by two hex digits or CRLF,
    /// so `=_` never occurs in an encoded body.
    static func boundary(for messageID: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in messageID.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return "=_ebbflow_" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// `local@domain` in printable ASCII without spaces or angle brackets (the writer adds them).
    static func checkMessageID(_ id: String) throws(MIMEError) {
        guard !id.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            throw MIMEError(field: "Message-ID", "contains CR or LF (header injection)")
        }
        guard (3...250).contains(id.utf8.count), id.contains("@"), !id.hasPrefix("@"), !id.hasSuffix("@"),
            id.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F && $0 != "<" && $0 != ">" })
        else {
            throw MIMEError(
                field: "Message-ID", "must be local@domain in printable ASCII without spaces or angle brackets")
        }
    }

    static func checkHeaderName(_ name: String) throws(MIMEError) {
        guard (1...76).contains(name.utf8.count),
            name.unicodeScalars.allSatisfy({ $0.value >= 33 && $0.value <= 126 && $0 != ":" })
        else {
            throw MIMEError(
                field: String(name.prefix(76).filter { $0 != "\r" && $0 != "\n" }),
                "is not a header name (printable ASCII without ':' or spaces, at most 76 characters)")
        }
        guard !reservedHeaders.contains(name.lowercased()) else {
            throw MIMEError(field: name, "is written by the MIME writer itself and cannot be given as an extra header")
        }
    }
}
