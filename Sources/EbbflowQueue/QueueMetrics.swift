// The queue's metrics, recorded through swift-metrics (a no-op unless the process installs a backend).
import Foundation
import Metrics

/// Metric names, their help text, and the calls that record them: one place, so names and
/// dimension keys never drift apart (Prometheus requires one set of keys per name).
public enum QueueMetrics {
    public static let help: [String: String] = [
        "ebbflow_jobs_total": "Jobs that ended an attempt in this worker, by queue and outcome.",
        "ebbflow_jobs_claimed_total": "Jobs claimed by this worker, by queue.",
        "ebbflow_job_duration_seconds": "Time from start to recorded end of a job attempt, by queue.",
        "ebbflow_claim_duration_seconds": "Round-trip time of a claim statement.",
        "ebbflow_jobs_running": "Jobs running in this worker now.",
        "ebbflow_queue_jobs": "Jobs in the database by queue and state (sampled by maintenance).",
        "ebbflow_claim_failures_total": "Claims that failed (database unreachable, …).",
        "ebbflow_group_commits_total": "Round trips that committed write-only jobs' transactions together.",
        "ebbflow_group_commit_transactions_total":
            "Job transactions sent in group commits (divided by the groups: the mean group size).",
    ]

    static func ended(queue: String, outcome: String, started: ContinuousClock.Instant) {
        Counter(label: "ebbflow_jobs_total", dimensions: [("queue", queue), ("outcome", outcome)]).increment()
        Timer(label: "ebbflow_job_duration_seconds", dimensions: [("queue", queue)])
            .recordNanoseconds(Int64((ContinuousClock.now - started).nanoseconds))
    }

    static func claimed(_ rows: [JobRow], took: Duration) {
        Timer(label: "ebbflow_claim_duration_seconds").recordNanoseconds(Int64(took.nanoseconds))
        var byQueue: [String: Int] = [:]
        for row in rows { byQueue[row.queue, default: 0] += 1 }
        for (queue, count) in byQueue {
            Counter(label: "ebbflow_jobs_claimed_total", dimensions: [("queue", queue)]).increment(by: count)
        }
    }

    static func groupSent(transactions: Int) {
        Counter(label: "ebbflow_group_commits_total").increment()
        Counter(label: "ebbflow_group_commit_transactions_total").increment(by: transactions)
    }

    static func claimFailed() { Counter(label: "ebbflow_claim_failures_total").increment() }

    static func running(_ count: Int) { Gauge(label: "ebbflow_jobs_running").record(count) }

    static func depth(queue: String, state: String, jobs: Int) {
        Gauge(label: "ebbflow_queue_jobs", dimensions: [("queue", queue), ("state", state)]).record(jobs)
    }
}

extension Duration {
    var nanoseconds: Double { Double(components.seconds) * 1e9 + Double(components.attoseconds) / 1e9 }
}
