// A sender address (`Name <local@domain>` or `local@domain`), checked strictly because it goes into headers and the envelope.
import Foundation

/// Why strict: `EBBFLOW_FROM` becomes the `From` header, the envelope sender and the domain of
/// every Message-ID; a line break in it would inject headers, and a malformed address makes a
/// relay refuse every message. One `@`, a dot-free-or-dotted domain of letters, digits, `-` and
/// `.`, no spaces or angle brackets in the address, nothing over RFC 5321's 254 bytes.
public struct SenderAddress: Sendable, Equatable {
    /// As given, e.g. `News <news@example.com>`.
    public let text: String
    /// `news@example.com`.
    public let address: String
    /// `example.com`, lower case.
    public let domain: String

    public static let maxAddressBytes = 254
    public static let maxTextBytes = 512

    public init(_ raw: String) throws(DeliveryConfigurationError) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard text.utf8.count <= Self.maxTextBytes else {
            throw DeliveryConfigurationError("longer than \(Self.maxTextBytes) bytes")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw DeliveryConfigurationError("holds a control character such as a line break")
        }
        var address = text
        if let open = text.lastIndex(of: "<") {
            guard text.hasSuffix(">") else {
                throw DeliveryConfigurationError("\"\(text.prefix(80))\" has a < without a closing > at its end")
            }
            address = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        let allowedLocal = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "!#$%&'*+-/=?^_`{|}~."))
        let allowedDomain = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-."))
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, address.utf8.count <= Self.maxAddressBytes,
            parts[0].unicodeScalars.allSatisfy({ $0.isASCII && allowedLocal.contains($0) }),
            parts[1].unicodeScalars.allSatisfy({ $0.isASCII && allowedDomain.contains($0) }),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !parts[1].contains("..")
        else {
            throw DeliveryConfigurationError(
                "\"\(text.prefix(80))\" is not an address such as news@example.com or \"News <news@example.com>\"")
        }
        self.text = text
        self.address = address
        domain = parts[1].lowercased()
    }
}
