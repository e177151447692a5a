import Crypto
// The random values of a session: the cookie's token (stored only as its SHA-256) and the CSRF token.
import EbbflowAPI
import EbbflowEngine

/// Why 32 random bytes from the system's generator, base64url without padding: unguessable
/// (256 bits), safe in a cookie and a form field without escaping, and of one fixed length, so
/// a presented value that is not one is refused before any lookup. The base64url is the signed
/// links' (`LinkToken`), the constant-time comparison the API keys' (`constantTimeEqual`).
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
        let text = String(text)
        guard text.utf8.count == Self.textLength, let bytes = LinkToken.decodeBase64url(text.utf8),
            bytes.count == Self.byteCount
        else { return nil }
        self.bytes = bytes
    }

    var text: String { LinkToken.base64url(bytes) }

    /// What the table keeps instead of the token.
    var digest: [UInt8] { Array(SHA256.hash(data: bytes)) }
}
