// Signs Amazon SNS messages as SNS does, with a CA and signing certificates the tests make themselves and pin through the environment.
import Crypto
import Foundation
import SwiftASN1
import X509
@preconcurrency import _CryptoExtras

/// A test CA, two certificates it issued (one valid now, one expired), and a key no certificate
/// pins (a forger's), written as an operator would pin them: a directory of `.pem` files named
/// as SNS's `SigningCertURL`s name them, and a CA bundle.
struct SnsTestPKI: Sendable {
    static let topic = "arn:aws:sns:us-east-1:123456789012:ebbflow-ses"
    static let certificateName = "SimpleNotificationService-0123456789abcdef.pem"
    static let expiredName = "SimpleNotificationService-expired.pem"
    static let certificateURL = "https://sns.us-east-1.amazonaws.com/\(certificateName)"

    let key: _RSA.Signing.PrivateKey
    let expiredKey: _RSA.Signing.PrivateKey
    let forgerKey: _RSA.Signing.PrivateKey
    let caKey: _RSA.Signing.PrivateKey
    let ca: Certificate
    let certificate: Certificate
    let expired: Certificate
    /// The directory of pinned certificates and the CA bundle's path.
    let pins: String
    let caPath: String

    /// Made once: RSA keys take a moment to generate in a debug build.
    static let shared: Result<SnsTestPKI, any Error> = Result { try SnsTestPKI.make() }

    var environment: [String: String] {
        ["EBBFLOW_SES_TOPIC_ARNS": Self.topic, "EBBFLOW_SES_CERTIFICATES": pins, "EBBFLOW_SES_CA": caPath]
    }

    static func make() throws -> SnsTestPKI {
        let now = Date()
        let caKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let caName = try DistinguishedName { CommonName("ebbflow test CA") }
        let ca = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(caKey.publicKey),
            notValidBefore: now - 86_400, notValidAfter: now + 86_400 * 365, issuer: caName, subject: caName,
            signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                KeyUsage(keyCertSign: true)
            }, issuerPrivateKey: .init(caKey))
        func issue(_ key: _RSA.Signing.PrivateKey, from: Date, to: Date) throws -> Certificate {
            try Certificate(
                version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: from,
                notValidAfter: to, issuer: caName, subject: try DistinguishedName { CommonName("sns.amazonaws.com") },
                signatureAlgorithm: .sha256WithRSAEncryption,
                extensions: try Certificate.Extensions { BasicConstraints.notCertificateAuthority },
                issuerPrivateKey: .init(caKey))
        }
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let expiredKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let certificate = try issue(key, from: now - 86_400, to: now + 86_400 * 30)
        let expired = try issue(expiredKey, from: now - 86_400 * 30, to: now - 86_400)
        let root = NSTemporaryDirectory() + "ebbflow-ses-\(UUID().uuidString.prefix(8))"
        let pins = root + "/pins"
        try FileManager.default.createDirectory(atPath: pins, withIntermediateDirectories: true)
        try certificate.serializeAsPEM().pemString.write(
            toFile: pins + "/" + certificateName, atomically: true, encoding: .utf8)
        try expired.serializeAsPEM().pemString.write(
            toFile: pins + "/" + expiredName, atomically: true, encoding: .utf8)
        let caPath = root + "/ca.pem"
        try ca.serializeAsPEM().pemString.write(toFile: caPath, atomically: true, encoding: .utf8)
        return SnsTestPKI(
            key: key, expiredKey: expiredKey, forgerKey: try _RSA.Signing.PrivateKey(keySize: .bits2048),
            caKey: caKey, ca: ca, certificate: certificate, expired: expired, pins: pins, caPath: caPath)
    }
}

/// One SNS message under construction: its fields, then signed (or not) into the JSON body.
struct SnsTestMessage {
    var type = "Notification"
    var messageID = UUID().uuidString.lowercased()
    var topic = SnsTestPKI.topic
    var subject: String?
    var message: String
    var timestamp = Date()
    var signatureVersion = "2"
    var certificateURL = SnsTestPKI.certificateURL
    var token: String?
    var subscribeURL: String?

    /// AWS's canonical string: each signed field's name and value on their own lines.
    var stringToSign: String {
        var fields = [("Message", message), ("MessageId", messageID)]
        if type == "Notification" {
            if let subject { fields.append(("Subject", subject)) }
            fields.append(("Timestamp", timestampText))
        } else {
            fields += [("SubscribeURL", subscribeURL ?? ""), ("Timestamp", timestampText), ("Token", token ?? "")]
        }
        fields += [("TopicArn", topic), ("Type", type)]
        return fields.map { "\($0.0)\n\($0.1)\n" }.joined()
    }

    var timestampText: String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: timestamp)
    }

    /// The fields as SNS posts them, signed with `key` (version 1: SHA-1, 2: SHA-256).
    func signed(with key: _RSA.Signing.PrivateKey) throws -> [String: String] {
        let data = Data(stringToSign.utf8)
        let signature =
            signatureVersion == "1"
            ? try key.signature(for: Insecure.SHA1.hash(data: data), padding: .insecurePKCS1v1_5)
            : try key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        var fields = [
            "Type": type, "MessageId": messageID, "TopicArn": topic, "Message": message, "Timestamp": timestampText,
            "SignatureVersion": signatureVersion, "Signature": signature.rawRepresentation.base64EncodedString(),
            "SigningCertURL": certificateURL,
        ]
        if let subject { fields["Subject"] = subject }
        if type == "Notification" {
            fields["UnsubscribeURL"] =
                "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=\(topic):sub"
        } else {
            fields["Token"] = token
            fields["SubscribeURL"] = subscribeURL
        }
        return fields
    }
}

extension APIClient {
    /// Posts an SNS message as SNS does: JSON as `text/plain; charset=UTF-8`, with its type header.
    func postSNS(_ fields: [String: String], type: String? = nil) async throws -> APIResponse {
        try await postSNS(
            JSONSerialization.data(withJSONObject: fields), type: type ?? fields["Type"] ?? "Notification")
    }

    func postSNS(_ body: Data, type: String = "Notification") async throws -> APIResponse {
        try await send(
            "POST", "/webhooks/ses", headers: ["x-amz-sns-message-type": type], body: body,
            contentType: "text/plain; charset=UTF-8")
    }
}
