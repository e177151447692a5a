// The delivery webhook's signature: HMAC-SHA256(secret, timestamp + "." + body), sent as `X-Ebbflow-Signature: t=…,v1=…`.
import Crypto
import Foundation

/// Why a timestamp inside the signed text: a receiver that refuses signatures older than a few
/// minutes cannot be replayed an old request, and the scheme (Stripe's, which teams already
/// verify) needs only an HMAC in any language. The timestamp is real time (Unix seconds), not
/// the database clock: it is compared with the receiver's clock.
public struct WebhookSignature: Sendable {
    public static let header = "X-Ebbflow-Signature"
    let key: SymmetricKey

    public init(secret: String) { key = SymmetricKey(data: Data(secret.utf8)) }

    /// `t=<unix seconds>,v1=<lower-case hex HMAC>` for `body` sent at `timestamp`.
    public func value(body: [UInt8], timestamp: Int64) -> String {
        "t=\(timestamp),v1=\(hex(body: body, timestamp: timestamp))"
    }

    func hex(body: [UInt8], timestamp: Int64) -> String {
        var signed = Array("\(timestamp).".utf8)
        signed.append(contentsOf: body)
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: key)
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `header` signs `body` (constant-time compare); what a receiver does, and the tests.
    public func verifies(_ header: String, body: [UInt8]) -> Bool {
        var timestamp: Int64?
        var given: [String] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2 else { return false }
            if pair[0] == "t" { timestamp = Int64(pair[1]) } else if pair[0] == "v1" { given.append(pair[1]) }
        }
        guard let timestamp else { return false }
        let expected = Array(hex(body: body, timestamp: timestamp).utf8)
        return given.contains { candidate in
            let bytes = Array(candidate.utf8)
            guard bytes.count == expected.count else { return false }
            return zip(bytes, expected).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
    }
}
