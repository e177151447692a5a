// The strict parser behind SMTPConfiguration(url:): scheme, credentials, host, port and the one query key.
import Foundation

enum SMTPURLParser {
    static func parse(_ url: String) throws(SMTPConfigurationError) -> SMTPConfiguration {
        guard !url.isEmpty else { throw SMTPConfigurationError("is empty") }
        guard url.utf8.count <= 2048 else { throw SMTPConfigurationError("is longer than 2048 bytes") }
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw SMTPConfigurationError(
                "contains a space, a control or a non-ASCII character (percent-encode them in the user and password)")
        }
        guard let schemeEnd = url.range(of: "://") else {
            throw SMTPConfigurationError("must start with smtp:// or smtps://")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let security: SMTPConfiguration.Security
        switch scheme {
        case "smtp": security = .startTLS
        case "smtps": security = .implicitTLS
        default:
            throw SMTPConfigurationError(
                "unknown scheme '\(scheme)': use smtp:// (STARTTLS) or smtps:// (implicit TLS)")
        }
        var rest = url[schemeEnd.upperBound...]
        if rest.contains("#") {
            throw SMTPConfigurationError("a fragment ('#') is not allowed (percent-encode '#' as %23)")
        }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        // The credentials end at the last '@', so only the host and path are searched for '/'.
        var credentials: Substring?
        if let at = rest.lastIndex(of: "@") {
            credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        if let slash = rest.firstIndex(of: "/") {
            guard rest[slash...] == "/" else { throw SMTPConfigurationError("a path after the host is not allowed") }
            rest = rest[..<slash]
        }
        let (host, port) = try hostAndPort(rest, defaultPort: security == .implicitTLS ? 465 : 587)
        var username: String?
        var password: String?
        if let credentials {
            guard let colon = credentials.firstIndex(of: ":") else {
                throw SMTPConfigurationError("a user without a password (write user:password@host)")
            }
            let user = credentials[..<colon]
            let secret = credentials[credentials.index(after: colon)...]
            guard let decodedUser = percentDecode(user) else {
                throw SMTPConfigurationError(
                    "the user has a bad percent-encoding ('%' must be followed by two hex digits)")
            }
            guard let decodedPassword = percentDecode(secret) else {
                throw SMTPConfigurationError(
                    "the password has a bad percent-encoding ('%' must be followed by two hex digits)")
            }
            guard !decodedUser.isEmpty else { throw SMTPConfigurationError("the user is empty") }
            guard !decodedPassword.isEmpty else { throw SMTPConfigurationError("the password is empty") }
            guard decodedUser.utf8.count <= 256, decodedPassword.utf8.count <= 256 else {
                throw SMTPConfigurationError("the user and the password are limited to 256 bytes each")
            }
            guard !decodedUser.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }),
                !decodedPassword.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            else { throw SMTPConfigurationError("the user or the password contains a control character") }
            username = decodedUser
            password = decodedPassword
        }
        var tls: SMTPConfiguration.Security = security
        if !query.isEmpty {
            var seen = Set<String>()
            for pair in query.split(separator: "&", omittingEmptySubsequences: false) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(parts[0])
                guard key == "tls" else {
                    throw SMTPConfigurationError(
                        "unknown query key '\(key.prefix(40))' (the only one is tls=starttls|none)")
                }
                guard seen.insert(key).inserted else { throw SMTPConfigurationError("tls= is given twice") }
                guard security != .implicitTLS else {
                    throw SMTPConfigurationError("smtps:// is always implicit TLS: tls= applies to smtp:// only")
                }
                let value = parts.count == 2 ? String(parts[1]) : ""
                switch value.lowercased() {
                case "starttls": tls = .startTLS
                case "none": tls = SMTPConfiguration.Security.none
                default:
                    throw SMTPConfigurationError("tls must be starttls or none, not '\(value.prefix(40))'")
                }
            }
        }
        return SMTPConfiguration(host: host, port: port, security: tls, username: username, password: password)
    }

    private static func hostAndPort(_ text: Substring, defaultPort: Int) throws(SMTPConfigurationError) -> (String, Int)
    {
        var host: Substring
        var portText: Substring?
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else {
                throw SMTPConfigurationError("an IPv6 host must be closed with ']'")
            }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw SMTPConfigurationError("unexpected text after the IPv6 host") }
                portText = after.dropFirst()
            }
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw SMTPConfigurationError("the IPv6 host '\(host.prefix(60))' is not an IPv6 address")
            }
        } else {
            if let colon = text.firstIndex(of: ":") {
                host = text[..<colon]
                portText = text[text.index(after: colon)...]
            } else {
                host = text
            }
            guard !host.isEmpty else { throw SMTPConfigurationError("the host is missing") }
            guard isHostName(String(host)) else {
                throw SMTPConfigurationError(
                    "the host '\(host.prefix(60))' is not a host name or IP address (letters, digits, '-' and '.')")
            }
        }
        var port = defaultPort
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                let value = Int(portText), (1...65535).contains(value)
            else { throw SMTPConfigurationError("the port '\(portText.prefix(20))' is not a number from 1 to 65535") }
            port = value
        }
        return (String(host).lowercased(), port)
    }

    /// Letters, digits, '-' and '.', 1–253 characters, labels of 1–63 not starting or ending with '-'.
    static func isHostName(_ name: String) -> Bool {
        guard (1...253).contains(name.utf8.count) else { return false }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            (1...63).contains(label.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy {
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-")
                }
        }
    }

    /// Decodes %XX escapes as UTF-8; nil for a stray '%' or bytes that are not UTF-8.
    static func percentDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    return nil
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    static func percentEncode(_ text: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
