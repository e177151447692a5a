// The string SNS signs for each message type, and the RSA check of its signature (version 1: SHA1withRSA, version 2: SHA256withRSA).
import Crypto
import Foundation
@preconcurrency import _CryptoExtras

/// Why these fields and this order: it is AWS's documented canonical form ("Verifying the
/// signatures of Amazon SNS messages"): each signed field's name and value on lines of their
/// own, names in byte order, `Subject` only when the message has one, the confirmations'
/// `SubscribeURL` and `Token` in place of it. The values are the JSON strings once unescaped.
enum SnsSignature {
    static func stringToSign(_ message: SnsMessage) -> String {
        var fields: [(String, String)] = [("Message", message.message), ("MessageId", message.messageID)]
        switch message.kind {
        case .notification:
            if let subject = message.subject { fields.append(("Subject", subject)) }
            fields.append(("Timestamp", message.timestamp))
        case .subscriptionConfirmation, .unsubscribeConfirmation:
            fields.append(("SubscribeURL", message.subscribeURL ?? ""))
            fields.append(("Timestamp", message.timestamp))
            fields.append(("Token", message.token ?? ""))
        }
        fields.append(("TopicArn", message.topicARN))
        fields.append(("Type", message.kind.rawValue))
        return fields.map { "\($0.0)\n\($0.1)\n" }.joined()
    }

    /// Nil when `message.Signature` is the certificate key's PKCS #1 v1.5 signature of the
    /// string to sign under the message's `SignatureVersion`; else why not.
    static func refusal(_ message: SnsMessage, key: _RSA.Signing.PublicKey) -> SnsRefusal? {
        guard let bytes = Data(base64Encoded: message.signature), !bytes.isEmpty else {
            return .signature("Signature is not base64")
        }
        let signature = _RSA.Signing.RSASignature(rawRepresentation: bytes)
        let signed = Data(stringToSign(message).utf8)
        let valid: Bool
        switch message.signatureVersion {
        case "1":
            // SHA-1 because SNS's version 1 is SHA1withRSA; the topic owner can move it to version 2.
            valid = key.isValidSignature(signature, for: Insecure.SHA1.hash(data: signed), padding: .insecurePKCS1v1_5)
        case "2":
            valid = key.isValidSignature(signature, for: SHA256.hash(data: signed), padding: .insecurePKCS1v1_5)
        default:
            return .signature("SignatureVersion must be 1 or 2, got \"\(message.signatureVersion.prefix(16))\"")
        }
        return valid ? nil : .signature("the signature does not verify with the pinned certificate")
    }
}
