// The random values of a session: the cookie's token (stored only as its SHA-256) and the CSRF token.
import Crypto
import Foundation

/// Why 32 random bytes from the system's generator, base64url without padding: unguessable
/// (256 bits), safe in a cookie and a form field without escaping, and of one fixed length, so
/// a presented value that is not one is refused before any lookup.
struct SessionToken: Sendable, Equatable {
    let bytes: [UInt8]

    static let byteCount = 32
    /// base64url of 32 bytes, without padding.
    static let textLength = 43

    static func random() -> SessionToken {
        var generator = SystemRandomNumberGenerator()
        return SessionToken(bytes: (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// The token a cookie or form field holds; nil for anything that is not one.
    init?(text: some StringProtocol) {
        guard text.utf8.count == Self.textLength,
            text.utf8.allSatisfy({ Self.isBase64URL($0) }),
            let data = Data(base64Encoded: Self.standardBase64(String(text))), data.count == Self.byteCount
        else { return nil }
        bytes = Array(data)
    }

    var text: String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// What the table keeps instead of the token.
    var digest: [UInt8] { Array(SHA256.hash(data: bytes)) }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }

    private static func standardBase64(_ text: String) -> String {
        let standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        return standard + String(repeating: "=", count: (4 - standard.count % 4) % 4)
    }
}

/// Equal-length byte strings compared in time that does not depend on where they differ.
func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
    guard left.count == right.count else { return false }
    var difference: UInt8 = 0
    for index in left.indices { difference |= left[index] ^ right[index] }
    return difference == 0
}
