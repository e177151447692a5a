// One SMTP server reply (RFC 5321 §4.2): its code, enhanced status code and text lines, parsed strictly.

/// A complete reply, single- or multi-line.
///
/// Why strict: a reply we misread is a message we might report as accepted when it was not, so
/// any line that is not `ddd`, `ddd text` or `ddd-text` (three digits, first 2–5, second 0–5,
/// the same code on every line, CRLF-terminated) is a protocol error, never a guess.
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    /// The three-digit reply code, 200–559.
    public var code: Int
    /// The RFC 3463 enhanced status code (`5.1.1`) when the first line starts with one whose class
    /// matches the reply's; nil otherwise.
    public var enhancedStatus: String?
    /// The text of each line, after the code and its separator (the enhanced code stays in it).
    public var lines: [String]

    public init(code: Int, enhancedStatus: String? = nil, lines: [String]) {
        self.code = code
        self.enhancedStatus = enhancedStatus
        self.lines = lines
    }

    /// 2xx: the command succeeded.
    public var isPositiveCompletion: Bool { code / 100 == 2 }
    /// 3xx: more is expected (354 after DATA, 334 during AUTH).
    public var isPositiveIntermediate: Bool { code / 100 == 3 }
    /// 4xx: try again later.
    public var isTransientNegative: Bool { code / 100 == 4 }
    /// 5xx: do not repeat as is.
    public var isPermanentNegative: Bool { code / 100 == 5 }

    /// The text of all lines joined by a space (the first line's text alone for the common single-line reply).
    public var text: String { lines.joined(separator: " ") }

    /// `250 2.0.0 Ok: queued as 4F2A1` (multi-line replies on one line, joined by " / ").
    public var description: String {
        let joined = lines.filter { !$0.isEmpty }.joined(separator: " / ")
        return joined.isEmpty ? String(code) : "\(code) \(joined)"
    }
}

/// Parses reply lines; shared by the channel decoder and the tests.
enum SMTPReplyParser {
    /// RFC 5321 §4.5.3.1.5 allows 512 octets per reply line; real relays stay within it, and
    /// a longer line is refused rather than buffered without bound.
    static let maximumLineLength = 2048
    /// A multi-line reply longer than this is refused (EHLO answers have about a dozen).
    static let maximumLines = 100

    /// One line without its CRLF: the code, whether more lines follow, and the text.
    static func parseLine(_ bytes: some Collection<UInt8>) throws(SMTPError) -> (code: Int, more: Bool, text: String) {
        let line = Array(bytes)
        guard line.count >= 3 else { throw malformed("a reply line shorter than its three-digit code") }
        guard line.count <= maximumLineLength else {
            throw malformed("a reply line longer than \(maximumLineLength) bytes")
        }
        let digits = line[0..<3]
        guard digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw malformed("a reply line that does not start with a three-digit code")
        }
        let values = digits.map { Int($0 - UInt8(ascii: "0")) }
        guard (2...5).contains(values[0]), (0...5).contains(values[1]) else {
            throw malformed("reply code \(values[0])\(values[1])\(values[2]) is outside 200–559")
        }
        let code = values[0] * 100 + values[1] * 10 + values[2]
        if line.count == 3 { return (code, false, "") }
        let more: Bool
        switch line[3] {
        case UInt8(ascii: " "): more = false
        case UInt8(ascii: "-"): more = true
        default: throw malformed("reply code \(code) followed by neither a space nor '-'")
        }
        let text = line[4...]
        if text.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
            throw malformed("a control character in the text of reply \(code)")
        }
        return (code, more, String(decoding: text, as: UTF8.self))
    }

    /// Joins a reply's lines (each without CRLF), checking they share one code and only the last ends it.
    static func parse(lines: [[UInt8]]) throws(SMTPError) -> SMTPReply {
        guard !lines.isEmpty else { throw malformed("an empty reply") }
        guard lines.count <= maximumLines else { throw malformed("a reply of more than \(maximumLines) lines") }
        var code = 0
        var texts: [String] = []
        for (index, bytes) in lines.enumerated() {
            let line = try parseLine(bytes)
            if index == 0 {
                code = line.code
            } else if line.code != code {
                throw malformed("a multi-line reply whose lines carry different codes (\(code), \(line.code))")
            }
            let isLast = index == lines.count - 1
            if line.more == isLast {
                throw malformed(
                    isLast ? "a reply whose last line says more follows" : "a reply line after its last one")
            }
            texts.append(line.text)
        }
        return SMTPReply(code: code, enhancedStatus: enhancedStatus(code: code, text: texts[0]), lines: texts)
    }

    /// `class.subject.detail` at the start of the text (RFC 3463), class equal to the code's first digit.
    static func enhancedStatus(code: Int, text: String) -> String? {
        let token = text.prefix { $0 != " " }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == String(code / 100),
            parts[1...].allSatisfy({
                (1...3).contains($0.count) && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber)
            })
        else { return nil }
        return String(token)
    }

    static func malformed(_ reason: String) -> SMTPError {
        SMTPError(.protocolViolation, "malformed reply from the server: \(reason)")
    }
}
