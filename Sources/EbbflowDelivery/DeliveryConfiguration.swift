// Delivery's settings from the environment (transport, sender, public URL), checked once at `ebbflow worker` start.
import EbbflowCore
import EbbflowEngine
import EbbflowMail
import Foundation

/// Where rendered messages go: a relay, a team's webhook, or nowhere (an external sender
/// consumes the outbox with `sends lease`).
public enum DeliveryTransportSetting: Sendable {
    case none
    /// `EBBFLOW_SMTP_URL` parsed (with `EBBFLOW_SMTP_CA` and `EBBFLOW_SMTP_EHLO_NAME`); its
    /// description never shows the password.
    case smtp(SMTPConfiguration)
    /// `EBBFLOW_DELIVERY_WEBHOOK_URL` and `EBBFLOW_DELIVERY_WEBHOOK_SECRET`.
    case webhook(url: URL, secret: String)

    /// The `transport` label of the delivery metrics.
    public var name: String {
        switch self {
        case .none: "none"
        case .smtp: "smtp"
        case .webhook: "webhook"
        }
    }
}

/// Why read and checked before the worker claims anything: a typo in a sender address or a
/// URL would otherwise show only as every send failing (or, worse, as mail that goes out
/// without a working unsubscribe). Every error names the variable; none repeats a secret.
public struct DeliveryConfiguration: Sendable {
    public var transport: DeliveryTransportSetting
    /// `EBBFLOW_FROM`: the sender of templates without a `from` (required when delivering).
    public var from: SenderAddress?
    /// `EBBFLOW_PUBLIC_URL`: the base of the one-click unsubscribe and tracking links.
    public var publicURL: PublicBaseURL?
    /// `EBBFLOW_UNSUBSCRIBE_MAILTO`: an address for the `mailto:` of `List-Unsubscribe`.
    public var unsubscribeMailto: String?
    /// What the operator should know but that does not stop the worker (no public URL).
    public var warnings: [String]
    /// `EBBFLOW_DELIVERY_WEBHOOK_TIMEOUT`: how long one POST may take, connect to answer. Why
    /// bounded both ways: a receiver that accepts and never answers must fail its send
    /// (transient, retried) rather than hold a chunk, and a timeout shorter than a second
    /// would fail a healthy receiver under load.
    public var webhookTimeoutSeconds: Double = Self.defaultWebhookTimeoutSeconds
    /// The dispatcher's backlog, the chunk size and the deliverer's connections, from
    /// `EBBFLOW_DELIVERY_BACKLOG`, `EBBFLOW_DELIVERY_CHUNK` and `EBBFLOW_DELIVERY_CONNECTIONS`
    /// (`DeliveryTuning`); the defaults otherwise.
    public var settings = DeliverySettings()

    public static let smtpURLVariable = "EBBFLOW_SMTP_URL"
    public static let smtpCAVariable = "EBBFLOW_SMTP_CA"
    public static let webhookURLVariable = "EBBFLOW_DELIVERY_WEBHOOK_URL"
    public static let webhookSecretVariable = "EBBFLOW_DELIVERY_WEBHOOK_SECRET"
    public static let fromVariable = "EBBFLOW_FROM"
    public static let unsubscribeMailtoVariable = "EBBFLOW_UNSUBSCRIBE_MAILTO"
    public static let webhookTimeoutVariable = "EBBFLOW_DELIVERY_WEBHOOK_TIMEOUT"
    public static let defaultWebhookTimeoutSeconds = 10.0
    /// `EBBFLOW_DELIVERY_WEBHOOK_TIMEOUT`'s bounds, in seconds.
    public static let webhookTimeoutBounds = 1.0...300
    /// Bounds of what is read (bytes).
    public static let maxURLBytes = 2_048
    public static let minSecretBytes = 16
    public static let maxSecretBytes = 1_024

    /// Whether this worker delivers (a transport is set).
    public var delivers: Bool {
        if case .none = transport { return false }
        return true
    }

    public init(
        transport: DeliveryTransportSetting, from: SenderAddress?, publicURL: PublicBaseURL?,
        unsubscribeMailto: String?, warnings: [String] = []
    ) {
        self.transport = transport
        self.from = from
        self.publicURL = publicURL
        self.unsubscribeMailto = unsubscribeMailto
        self.warnings = warnings
    }

    /// Reads and checks the variables. Neither transport set: `.none`, and nothing else is required.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(DeliveryConfigurationError) -> DeliveryConfiguration
    {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        let smtp = value(smtpURLVariable), webhook = value(webhookURLVariable)
        let transport: DeliveryTransportSetting
        var webhookTimeout = defaultWebhookTimeoutSeconds
        switch (smtp, webhook) {
        case (_?, _?):
            throw DeliveryConfigurationError(
                "\(smtpURLVariable) and \(webhookURLVariable) are both set: deliver through one of them, unset the other"
            )
        case (let url?, nil):
            guard url.utf8.count <= maxURLBytes else {
                throw DeliveryConfigurationError("\(smtpURLVariable) is longer than \(maxURLBytes) bytes")
            }
            // The SMTP client's own reading of its three variables (the CA file is read now).
            do {
                guard let smtp = try SMTPConfiguration.fromEnvironment(environment) else {
                    throw DeliveryConfigurationError("\(smtpURLVariable) is empty")
                }
                transport = .smtp(smtp)
            } catch let error as SMTPConfigurationError {
                throw DeliveryConfigurationError(error.description)
            } catch let error as DeliveryConfigurationError {
                throw error
            } catch {
                throw DeliveryConfigurationError("\(smtpURLVariable) cannot be used")
            }
        case (nil, let url?):
            transport = .webhook(url: try webhookURL(url), secret: try webhookSecret(value(webhookSecretVariable)))
            webhookTimeout = try readWebhookTimeout(value(webhookTimeoutVariable))
        case (nil, nil):
            if value(webhookSecretVariable) != nil {
                throw DeliveryConfigurationError(
                    "\(webhookSecretVariable) is set without \(webhookURLVariable): set the URL too, or unset the secret"
                )
            }
            transport = .none
        }
        if case .none = transport {
            return DeliveryConfiguration(transport: .none, from: nil, publicURL: nil, unsubscribeMailto: nil)
        }
        guard let fromText = value(fromVariable) else {
            throw DeliveryConfigurationError(
                "\(fromVariable) is not set: delivering needs a default sender, such as \"News <news@example.com>\"")
        }
        let from: SenderAddress
        do { from = try SenderAddress(fromText) } catch {
            throw DeliveryConfigurationError("\(fromVariable): \(error.description)")
        }
        var warnings: [String] = []
        var publicURL: PublicBaseURL?
        if let text = value(PublicBaseURL.environmentVariable) {
            do { publicURL = try PublicBaseURL(text) } catch { throw DeliveryConfigurationError(error.description) }
        } else {
            warnings.append(
                "\(PublicBaseURL.environmentVariable) is not set: messages go without the one-click List-Unsubscribe "
                    + "(RFC 8058, which Gmail and Yahoo require of bulk senders), without click and open tracking "
                    + "and with an empty unsubscribe_url; set it to the public address of `ebbflow serve`")
        }
        var mailto: String?
        if let text = value(unsubscribeMailtoVariable) {
            do { mailto = try SenderAddress(text).address } catch {
                throw DeliveryConfigurationError("\(unsubscribeMailtoVariable): \(error.description)")
            }
        }
        var configuration = DeliveryConfiguration(
            transport: transport, from: from, publicURL: publicURL, unsubscribeMailto: mailto, warnings: warnings)
        configuration.webhookTimeoutSeconds = webhookTimeout
        configuration.settings = try DeliveryTuning.settings(value)
        return configuration
    }

    private static func readWebhookTimeout(_ text: String?) throws(DeliveryConfigurationError) -> Double {
        guard let text else { return defaultWebhookTimeoutSeconds }
        guard text.utf8.count <= 32, let seconds = DurationText.seconds(text), webhookTimeoutBounds.contains(seconds)
        else {
            throw DeliveryConfigurationError(
                "\(webhookTimeoutVariable) must be a duration from 1s to 5m, such as 10s or 1m30s")
        }
        return seconds
    }

    private static func webhookURL(_ text: String) throws(DeliveryConfigurationError) -> URL {
        let name = webhookURLVariable
        guard text.utf8.count <= maxURLBytes else {
            throw DeliveryConfigurationError("\(name) is longer than \(maxURLBytes) bytes")
        }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.user == nil, components.password == nil, let url = components.url
        else {
            // Not echoed: the URL may carry a token of the team's sender.
            throw DeliveryConfigurationError(
                "\(name) must be an absolute http or https URL without user info, such as https://sender.example.com/ebbflow"
            )
        }
        return url
    }

    private static func webhookSecret(_ secret: String?) throws(DeliveryConfigurationError) -> String {
        let name = webhookSecretVariable
        guard let secret else {
            throw DeliveryConfigurationError(
                "\(name) is not set: the webhook's requests are signed with it (at least \(minSecretBytes) bytes)")
        }
        guard (minSecretBytes...maxSecretBytes).contains(secret.utf8.count) else {
            throw DeliveryConfigurationError("\(name) must be \(minSecretBytes)...\(maxSecretBytes) bytes long")
        }
        return secret
    }
}

/// A delivery setting that cannot be used, in words for the operator (never holding a secret).
public struct DeliveryConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
