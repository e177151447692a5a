// An address field taken apart: the optional display name and the bare address SMTP's envelope needs.

/// `a@example.com`, `<a@example.com>`, `Ann Lee <a@example.com>` or `"Lee, Ann" <a@example.com>`.
///
/// Why strict: the address goes into `MAIL FROM:<…>`/`RCPT TO:<…>` and into headers, so
/// anything that could end a command or a header (CR, LF, '<', '>', spaces) is refused, and only
/// ASCII addresses are accepted (no SMTPUTF8); the display name may be any UTF-8 text.
struct MailAddress: Equatable {
    var displayName: String?
    var address: String

    init(parsing field: String, fieldName: String) throws(MIMEError) {
        guard !field.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) else {
            throw MIMEError(field: fieldName, "contains CR or LF (header injection)")
        }
        let trimmed = field.trimmingSpaces
        if trimmed.hasSuffix(">"), let open = trimmed.lastIndex(of: "<") {
            address = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
            var name = trimmed[..<open].trimmingSpaces
            if name.count >= 2, name.hasPrefix("\""), name.hasSuffix("\"") {
                name = String(name.dropFirst().dropLast())
                    .replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
            }
            displayName = name.isEmpty ? nil : name
        } else {
            address = trimmed
            displayName = nil
        }
        guard MailAddress.isValid(address) else {
            throw MIMEError(
                field: fieldName, "'\(address.prefix(80))' is not an ASCII address of the form local@domain")
        }
    }

    /// RFC 5322's atext by ASCII byte, built once: every message's sender and recipient are
    /// checked, and a set built per call was a sixth of the MIME writer's time.
    private static let atext: [Bool] = (0..<128).map { byte in
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~".utf8.contains(UInt8(byte))
    }

    /// local@domain: ASCII atext and dots locally (no quoted forms), a host name or a literal after '@'.
    static func isValid(_ address: String) -> Bool {
        guard (3...254).contains(address.utf8.count), let at = address.lastIndex(of: "@") else { return false }
        let local = address[..<at]
        let domain = address[address.index(after: at)...]
        guard (1...64).contains(local.utf8.count), !local.hasPrefix("."), !local.hasSuffix("."), !local.contains(".."),
            local.utf8.allSatisfy({ $0 < 0x80 && (atext[Int($0)] || $0 == UInt8(ascii: ".")) })
        else { return false }
        if domain.hasPrefix("[") && domain.hasSuffix("]") {
            return domain.dropFirst().dropLast().allSatisfy { $0.isASCII && ($0.isHexDigit || $0 == "." || $0 == ":") }
        }
        return SMTPURLParser.isHostName(String(domain))
    }

    /// The header form: `Name <address>` with the name quoted or RFC 2047-encoded as needed.
    func headerValue() -> String {
        guard let displayName else { return address }
        return "\(MIMEEncoding.phrase(displayName)) <\(address)>"
    }
}

extension StringProtocol {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
