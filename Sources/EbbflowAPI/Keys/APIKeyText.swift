// An API key as text, `ebf_<public id>_<secret>`: made from the system's random source, parsed strictly.
import Crypto

/// Why two parts: the public id finds the key's row through an index without the secret ever
/// being a lookup value, and `keys list` can show it so an operator knows which key is which;
/// the secret (32 random bytes) is stored only as its SHA-256 and compared in constant time.
public struct APIKeyText: Sendable, Equatable {
    static let prefix = "ebf_"
    static let publicIDLength = 12
    static let secretLength = 43
    private static let publicAlphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
    private static let secretAlphabet = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    public let publicID: String
    let secret: String

    /// A new key. `SystemRandomNumberGenerator` reads the kernel's CSPRNG (getrandom on Linux).
    public static func generate() -> APIKeyText {
        var random = SystemRandomNumberGenerator()
        func text(_ count: Int, from alphabet: [UInt8]) -> String {
            // `next(upperBound:)` draws uniformly, so every character of the alphabet is equally likely.
            String(
                decoding: (0..<count).map { _ in alphabet[Int(random.next(upperBound: UInt64(alphabet.count)))] },
                as: UTF8.self)
        }
        return APIKeyText(
            publicID: text(publicIDLength, from: publicAlphabet), secret: text(secretLength, from: secretAlphabet))
    }

    /// The key in `text`, or nil when it does not have a key's shape (nothing else is said
    /// about it: a caller learns only that the key is not valid).
    public init?(parsing text: some StringProtocol) {
        let bytes = Array(text.utf8)
        let expected = Self.prefix.utf8.count + Self.publicIDLength + 1 + Self.secretLength
        guard bytes.count == expected, bytes.starts(with: Self.prefix.utf8) else { return nil }
        let publicID = bytes[4..<(4 + Self.publicIDLength)]
        let separator = bytes[4 + Self.publicIDLength]
        let secret = bytes[(5 + Self.publicIDLength)...]
        guard separator == UInt8(ascii: "_"), publicID.allSatisfy(Self.publicAlphabet.contains),
            secret.allSatisfy(Self.secretAlphabet.contains)
        else { return nil }
        self.init(publicID: String(decoding: publicID, as: UTF8.self), secret: String(decoding: secret, as: UTF8.self))
    }

    private init(publicID: String, secret: String) {
        self.publicID = publicID
        self.secret = secret
    }

    /// The whole key, to print once.
    public var text: String { "\(Self.prefix)\(publicID)_\(secret)" }

    /// What is stored and compared: SHA-256 of the secret.
    var secretDigest: [UInt8] { Array(SHA256.hash(data: Array(secret.utf8))) }

    /// How `keys list` shows a key: the public part alone.
    public var shown: String { "\(Self.prefix)\(publicID)_…" }
}

/// Whether two digests are equal, in time that does not depend on where they differ.
public func constantTimeEqual(_ left: [UInt8], _ right: [UInt8]) -> Bool {
    guard left.count == right.count else { return false }
    var difference: UInt8 = 0
    for index in left.indices { difference |= left[index] ^ right[index] }
    return difference == 0
}
