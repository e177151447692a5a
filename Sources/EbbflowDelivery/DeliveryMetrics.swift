// Delivery's metrics: messages by transport and outcome, and how long submissions take.
import Foundation
import Metrics

/// Names, help and the calls that record them, in one place (Prometheus needs one set of
/// label keys per name).
public enum DeliveryMetrics {
    public static let help: [String: String] = [
        "ebbflow_deliveries_total":
            "Messages this worker submitted, by transport (smtp, webhook) and outcome (sent, transient, permanent, bounced, render_failed, lease_lost).",
        "ebbflow_delivery_submission_seconds":
            "Time one chunk of messages took to submit (SMTP transaction or webhook requests), by transport.",
    ]

    /// Buckets of the submission histogram (a chunk is up to a few hundred messages).
    public static let submissionBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2), .seconds(5), .seconds(15), .seconds(60),
    ]

    static func delivered(transport: String, outcome: String, count: Int = 1) {
        guard count > 0 else { return }
        Counter(label: "ebbflow_deliveries_total", dimensions: [("transport", transport), ("outcome", outcome)])
            .increment(by: count)
    }

    static func submitted(transport: String, took: Duration) {
        let nanoseconds = Double(took.components.seconds) * 1e9 + Double(took.components.attoseconds) / 1e9
        Timer(label: "ebbflow_delivery_submission_seconds", dimensions: [("transport", transport)])
            .recordNanoseconds(Int64(nanoseconds))
    }
}
