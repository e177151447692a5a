// The providers' webhook secrets, read from the environment once when `serve` starts: unset disables a route, malformed stops the start.
import Crypto
import Foundation

/// Why at start and not per request: a secret pasted wrong (a truncated key, a password with
/// a stray newline) must stop the deployment with one clear line, not turn every provider
/// delivery into a 401 that only the provider's dashboard shows. A provider whose secret is
/// not set (or set empty, as compose files pass unset variables) is disabled: its route
/// answers 404, and the start logs which variable would enable it. No message here ever holds
/// a secret's value.
public struct WebhookConfiguration: Sendable {
    /// SendGrid's verification key (`EBBFLOW_SENDGRID_PUBLIC_KEY`).
    var sendGrid: P256.Signing.PublicKey?
    /// Mailgun's HTTP webhook signing key (`EBBFLOW_MAILGUN_SIGNING_KEY`).
    var mailgun: SymmetricKey?
    /// Postmark's Basic credentials (`EBBFLOW_POSTMARK_WEBHOOK_USER`, `…_PASSWORD`).
    var postmark: BasicCredentials?

    struct BasicCredentials: Sendable {
        var user: [UInt8]
        var password: [UInt8]
    }

    /// Every webhook disabled (tests and tools that serve no provider).
    public static let disabled = WebhookConfiguration()

    /// Reads the variables; throws `WebhookConfigurationError` for one set but malformed.
    public init(environment: [String: String]) throws {
        func value(_ name: String) -> String? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            return text
        }
        if let text = value("EBBFLOW_SENDGRID_PUBLIC_KEY") { sendGrid = try Self.sendGridKey(text) }
        if let text = value("EBBFLOW_MAILGUN_SIGNING_KEY") {
            try Self.check(text, "EBBFLOW_MAILGUN_SIGNING_KEY", minimum: 16)
            mailgun = SymmetricKey(data: Data(text.utf8))
        }
        switch (value("EBBFLOW_POSTMARK_WEBHOOK_USER"), value("EBBFLOW_POSTMARK_WEBHOOK_PASSWORD")) {
        case (nil, nil): break
        case (let user?, let password?):
            try Self.check(user, "EBBFLOW_POSTMARK_WEBHOOK_USER", minimum: 1)
            guard !user.contains(":") else {
                throw WebhookConfigurationError("EBBFLOW_POSTMARK_WEBHOOK_USER must not contain \":\" (HTTP Basic)")
            }
            try Self.check(password, "EBBFLOW_POSTMARK_WEBHOOK_PASSWORD", minimum: 12)
            postmark = BasicCredentials(user: Array(user.utf8), password: Array(password.utf8))
        case (nil, _?):
            throw WebhookConfigurationError(
                "EBBFLOW_POSTMARK_WEBHOOK_PASSWORD is set but EBBFLOW_POSTMARK_WEBHOOK_USER is not; set both or neither"
            )
        case (_?, nil):
            throw WebhookConfigurationError(
                "EBBFLOW_POSTMARK_WEBHOOK_USER is set but EBBFLOW_POSTMARK_WEBHOOK_PASSWORD is not; set both or neither"
            )
        }
    }

    private init() {}

    /// One line per disabled provider, for the start's log.
    public var disabledNotes: [String] {
        var notes: [String] = []
        if sendGrid == nil { notes.append("webhooks/sendgrid disabled: EBBFLOW_SENDGRID_PUBLIC_KEY not set") }
        if mailgun == nil { notes.append("webhooks/mailgun disabled: EBBFLOW_MAILGUN_SIGNING_KEY not set") }
        if postmark == nil {
            notes.append(
                "webhooks/postmark disabled: EBBFLOW_POSTMARK_WEBHOOK_USER and EBBFLOW_POSTMARK_WEBHOOK_PASSWORD not set"
            )
        }
        return notes
    }

    /// The key as SendGrid shows it: base64 of the DER SubjectPublicKeyInfo of a P-256 key
    /// (a PEM block is taken too). Its value is never repeated in the error.
    static func sendGridKey(_ text: String) throws -> P256.Signing.PublicKey {
        let name = "EBBFLOW_SENDGRID_PUBLIC_KEY"
        guard text.utf8.count <= 4_096 else {
            throw WebhookConfigurationError("\(name) is longer than 4096 characters")
        }
        let body = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("-----") }
            .joined().filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: body) else {
            throw WebhookConfigurationError("\(name) is not base64 (paste the verification key SendGrid shows)")
        }
        do {
            return try P256.Signing.PublicKey(derRepresentation: der)
        } catch {
            throw WebhookConfigurationError(
                "\(name) is not an ECDSA P-256 public key in DER (paste the verification key SendGrid shows)")
        }
    }

    /// A secret of printable ASCII without spaces, `minimum` to 1024 characters.
    static func check(_ text: String, _ name: String, minimum: Int) throws {
        guard (minimum...1_024).contains(text.utf8.count) else {
            throw WebhookConfigurationError("\(name) must be \(minimum) to 1024 characters long")
        }
        guard text.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw WebhookConfigurationError(
                "\(name) must be printable ASCII without spaces or line breaks (a pasted newline?)")
        }
    }
}

/// A webhook secret set but unusable: `serve` refuses to start with this line.
public struct WebhookConfigurationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
