// Keeps ebbflow_suppressed_contacts on /metrics of `serve` and `worker` true to the database, sampled every 30 s.
import EbbflowEngine
import EbbflowMetrics
import Logging
import ServiceLifecycle

/// Samples the suppressed contacts by reason (`SuppressionCounts`: one grouped query over a
/// small partial index) at startup and then every `interval`, into the gauge. Why a bounded
/// rate and not a query per scrape: scrapes may come often and from several Prometheus
/// servers; this costs at most one cheap query per interval per process whatever the scrapers
/// do, and a database that does not answer leaves the last values (logged once per failure).
struct SuppressionGauge: Service {
    static let interval: Duration = .seconds(30)
    let sample: @Sendable () async throws -> [String: Int]
    let logger: Logger

    func run() async {
        let family = GaugeFamily(label: SuppressionCounts.metric, dimension: "reason")
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    family.record(try await sample())
                } catch {
                    logger.warning("cannot count suppressed contacts for /metrics: \(error)")
                }
                try? await Task.sleep(for: Self.interval)
            }
        }
    }
}
