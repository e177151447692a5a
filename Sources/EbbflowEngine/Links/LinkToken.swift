// The signed token of an unsubscribe or tracking link: its bytes, its base64url text, and its MAC checked in constant time.
import Crypto
import Foundation

/// What a link is for; its byte in the token, so a token made for one route is refused by the others.
public enum LinkPurpose: UInt8, Sendable, CaseIterable {
    case unsubscribe = 1
    case open = 2
    case click = 3
}

/// A link's signed content: `version | purpose | key id | payload | MAC`, base64url without
/// padding. The payload is the contact id (unsubscribe), the send id (open) or the send id and
/// link index (click), big-endian. The MAC is HMAC-SHA256 over everything before it, truncated
/// to 128 bits (the floor NIST SP 800-107 and RFC 2104 accept for a truncated HMAC, and what
/// keeps an unsubscribe link about 40 characters). Why no URL and no expiry in it: the redirect
/// target is looked up by (send, index) so the token can never carry a place to go, and a
/// link's life is its key's (rotation, `LinkKeyStore`).
public struct LinkToken: Sendable, Equatable {
    public var purpose: LinkPurpose
    /// The `link_keys` row that signed it.
    public var keyID: Int32
    /// The contact (unsubscribe) or the send (open, click).
    public var subject: Int64
    /// The link of the send (click only).
    public var linkIndex: Int32?

    public static let version: UInt8 = 1
    public static let macBytes = 16
    /// The longest token text read at all (a click token is 46 characters): anything longer is
    /// refused before it is decoded.
    public static let maxTextLength = 64

    public init(purpose: LinkPurpose, keyID: Int32, subject: Int64, linkIndex: Int32? = nil) {
        self.purpose = purpose
        self.keyID = keyID
        self.subject = subject
        self.linkIndex = purpose == .click ? (linkIndex ?? 0) : nil
    }

    /// The bytes the MAC covers.
    var signedBytes: [UInt8] {
        var bytes: [UInt8] = [Self.version, purpose.rawValue]
        bytes += Self.bigEndian(UInt32(bitPattern: keyID))
        bytes += Self.bigEndian(UInt64(bitPattern: subject))
        if let linkIndex { bytes += Self.bigEndian(UInt32(bitPattern: linkIndex)) }
        return bytes
    }

    /// The token's text, signed with `secret`.
    public func text(secret: SymmetricKey) -> String {
        let signed = signedBytes
        return Self.base64url(signed + Self.mac(signed, secret: secret))
    }

    static func mac(_ bytes: [UInt8], secret: SymmetricKey) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: bytes, using: secret)).prefix(macBytes).map { $0 }
    }

    /// A token read from a URL, its MAC not checked yet (`verify`).
    public struct Unverified: Sendable, Equatable {
        public var token: LinkToken
        let signed: [UInt8]
        let mac: [UInt8]

        /// Whether `secret` made this MAC; compared in constant time (every byte is looked at
        /// whatever differs), so the answer's timing says nothing about a forged MAC's prefix.
        public func verify(secret: SymmetricKey) -> Bool {
            let expected = LinkToken.mac(signed, secret: secret)
            guard expected.count == mac.count else { return false }
            var difference: UInt8 = 0
            for index in 0..<mac.count { difference |= expected[index] ^ mac[index] }
            return difference == 0
        }
    }

    /// Reads a token's structure: bounded length first, then base64url, version, purpose and
    /// the exact length for that purpose. Throws a reason for the log, never the token's MAC.
    public static func parse(_ text: String) throws(LinkRefusal) -> Unverified {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= maxTextLength else {
            throw .malformed("a link token is 1 to \(maxTextLength) characters")
        }
        // Canonical only: base64 ignores a last character's spare bits, so without this check
        // several texts would read as one token.
        guard let bytes = decodeBase64url(utf8), base64url(bytes) == text else {
            throw .malformed("a link token is base64url")
        }
        guard bytes.count >= 2, bytes[0] == version else { throw .malformed("unknown link token version") }
        guard let purpose = LinkPurpose(rawValue: bytes[1]) else { throw .malformed("unknown link purpose") }
        let payload = purpose == .click ? 12 : 8
        guard bytes.count == 2 + 4 + payload + macBytes else { throw .malformed("a link token of the wrong length") }
        let keyID = Int32(bitPattern: readUInt32(bytes, at: 2))
        let subject = Int64(bitPattern: readUInt64(bytes, at: 6))
        let index = purpose == .click ? Int32(bitPattern: readUInt32(bytes, at: 14)) : nil
        guard subject > 0, keyID > 0, (index ?? 0) >= 0 else { throw .malformed("a link token out of range") }
        let split = bytes.count - macBytes
        return Unverified(
            token: LinkToken(purpose: purpose, keyID: keyID, subject: subject, linkIndex: index),
            signed: Array(bytes[..<split]), mac: Array(bytes[split...]))
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
    }
    static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }
    static func readUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 << 8 | UInt32(bytes[offset + $1]) }
    }
    static func readUInt64(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 << 8 | UInt64(bytes[offset + $1]) }
    }

    /// Base64url without padding (RFC 4648 §5): safe in a path segment as it is.
    public static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Nil unless every character is of the base64url alphabet (no padding) and the length is possible.
    public static func decodeBase64url(_ utf8: String.UTF8View) -> [UInt8]? {
        var text = ""
        text.reserveCapacity(utf8.count + 3)
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                text.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "-"): text += "+"
            case UInt8(ascii: "_"): text += "/"
            default: return nil
            }
        }
        guard utf8.count % 4 != 1 else { return nil }
        text += String(repeating: "=", count: (4 - utf8.count % 4) % 4)
        return Data(base64Encoded: text).map { Array($0) }
    }
}

/// Why a link was refused. The HTTP layer answers `malformed` with 400 and the others with 404,
/// and changes nothing either way; the reason goes to the log, never a key or a MAC.
public enum LinkRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a token at all (length, alphabet, version, purpose, size).
    case malformed(String)
    /// Well formed, but no verifying key made it: tampered, foreign, or its key's grace is over.
    case badSignature
    /// A token for another route (an open token at /u/).
    case wrongPurpose
    /// Signed by us, but the contact or the send it names is gone (or the link index was never recorded).
    case notFound(String)

    public var description: String {
        switch self {
        case .malformed(let reason): "malformed link token: \(reason)"
        case .badSignature: "the link's signature does not verify (tampered, another database's, or its key retired)"
        case .wrongPurpose: "the link token is for another route"
        case .notFound(let what): "the link's \(what) does not exist"
        }
    }
}
