// What `POST /webhooks/ses` trusts, read from the environment when `serve` starts: the allowed topics and the pinned certificates.
import Foundation
import Logging

/// Why from the environment and read once: the settings are the operator's, like the other
/// providers' secrets; a setting that is set but wrong stops `serve` with one line naming it
/// (`SesConfigurationError`), where a server that started would refuse every message instead.
public struct SesWebhookConfiguration: Sendable {
    /// `TopicArn`s whose messages are accepted (`EBBFLOW_SES_TOPIC_ARNS`).
    let topics: Set<String>
    let certificates: SesCertificates

    static let maxTopics = 100

    /// The configuration, or nil when `EBBFLOW_SES_TOPIC_ARNS` is not set: the route is then
    /// not served (404) and one line says so.
    public static func fromEnvironment(_ environment: [String: String], logger: Logger) async throws
        -> SesWebhookConfiguration?
    {
        if let confirm = environment["EBBFLOW_SES_AUTO_CONFIRM"], !["", "0"].contains(confirm) {
            throw SesConfigurationError(
                "EBBFLOW_SES_AUTO_CONFIRM: automatic confirmation is not built (ebbflow fetches no URL); unset it and open the SubscribeURL that `serve` logs"
            )
        }
        guard let topicsText = environment["EBBFLOW_SES_TOPIC_ARNS"] else {
            logger.notice("webhooks/ses disabled: EBBFLOW_SES_TOPIC_ARNS not set")
            return nil
        }
        let topics = try parseTopics(topicsText)
        guard let certificatesPath = environment["EBBFLOW_SES_CERTIFICATES"], !certificatesPath.isEmpty else {
            throw SesConfigurationError(
                "EBBFLOW_SES_CERTIFICATES must name the directory of pinned SNS signing certificates (or one .pem file) when EBBFLOW_SES_TOPIC_ARNS is set"
            )
        }
        let caPath = environment["EBBFLOW_SES_CA"].flatMap { $0.isEmpty ? nil : $0 }
        let certificates = try await SesCertificates.load(path: certificatesPath, caPath: caPath)
        logger.notice(
            "webhooks/ses enabled",
            metadata: [
                "topics": "\(topics.sorted().joined(separator: ","))",
                "certificates": "\(certificates.pinned.keys.sorted().joined(separator: ","))",
                "ca": "\(caPath ?? "-")",
            ])
        return SesWebhookConfiguration(topics: topics, certificates: certificates)
    }

    /// Comma-separated SNS topic ARNs: `arn:<partition>:sns:<region>:<12-digit account>:<name>`.
    static func parseTopics(_ text: String) throws -> Set<String> {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard items.count <= maxTopics else {
            throw SesConfigurationError("EBBFLOW_SES_TOPIC_ARNS: at most \(maxTopics) topics")
        }
        for item in items where !isTopicARN(item) {
            throw SesConfigurationError(
                "EBBFLOW_SES_TOPIC_ARNS: \"\(item.prefix(300))\" is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>), in a comma-separated list"
            )
        }
        return Set(items)
    }

    static func isTopicARN(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", ["aws", "aws-cn", "aws-us-gov"].contains(parts[1]),
            parts[2] == "sns", !parts[3].isEmpty, parts[3].count <= 32,
            parts[3].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }),
            parts[4].count == 12, parts[4].allSatisfy({ $0.isASCII && $0.isNumber })
        else { return false }
        let name = parts[5].hasSuffix(".fifo") ? parts[5].dropLast(5) : parts[5]
        return (1...256).contains(name.count)
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
