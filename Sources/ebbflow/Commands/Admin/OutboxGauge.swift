// Keeps ebbflow_outbox_sends{state} and ebbflow_outbox_oldest_due_seconds on /metrics of `serve` and `worker`, sampled every 30 s.
import EbbflowEngine
import EbbflowMetrics
import Logging
import ServiceLifecycle

/// Samples the outbox (`OutboxCounts`: counts over partial indexes and the oldest due send) at
/// startup and then every `interval`, as `SuppressionGauge` does and for the same reasons: one
/// cheap query per interval per process whatever the scrapers do; a database that does not
/// answer leaves the last values (logged once per failure). A consumer that stopped shows as
/// an oldest due age that keeps growing.
struct OutboxGauge: Service {
    static let interval: Duration = .seconds(30)
    let sample: @Sendable () async throws -> (byState: [String: Int], oldestDue: Double)
    let logger: Logger

    func run() async {
        let family = GaugeFamily(label: OutboxCounts.sendsMetric, dimension: "state")
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let counts = try await sample()
                    family.record(counts.byState)
                    PlainGauge.record(OutboxCounts.oldestDueMetric, counts.oldestDue)
                } catch {
                    logger.warning("cannot count the outbox for /metrics: \(error)")
                }
                try? await Task.sleep(for: Self.interval)
            }
        }
    }
}
