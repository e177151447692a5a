// ebbflow_webhook_events_total{provider, outcome}: what every provider webhook (SendGrid, Mailgun, Postmark, SES) did with what it received.
import EbbflowEngine
import Metrics

/// One counter for all providers, so one query shows a provider whose signatures started
/// failing (a rotated key) or whose events stopped matching (a send id the mail integration
/// no longer sets). Outcomes per event: `stored`, `duplicate`, `unmatched`, `rejected` (kept,
/// not applied), `invalid`, `ignored` (a type ebbflow does not record: processed, deferred…);
/// per refused request: `rejected_signature`, `stale`, `replay`, `malformed`, `too_large`,
/// `disabled`; SES adds `rejected_topic`, `subscription_confirmation` and
/// `unsubscribe_confirmation` (SesWebhookRoutes). Every label value is a constant of the code.
enum WebhookMetrics {
    static let help = [
        "ebbflow_webhook_events_total":
            """
        Provider webhook events by provider and outcome (stored, duplicate, unmatched, rejected, invalid, ignored), \
        refused requests by reason (rejected_signature, stale, replay, malformed, too_large, disabled, rejected_topic), \
        and SNS confirmations (subscription_confirmation, unsubscribe_confirmation).
        """
    ]

    /// Adds `value` to the provider's outcome (nothing when 0).
    static func count(_ provider: String, _ outcome: String, _ value: Int = 1) {
        guard value > 0 else { return }
        Counter(label: "ebbflow_webhook_events_total", dimensions: [("provider", provider), ("outcome", outcome)])
            .increment(by: value)
    }

    /// Counts what the recorder reported, and `ignored` events the webhook did not record.
    static func count(_ provider: String, _ report: ProviderEventReport, ignored: Int = 0) {
        for (outcome, value) in report.counts { count(provider, outcome, value) }
        count(provider, "ignored", ignored)
    }
}
