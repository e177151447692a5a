// Installs swift-prometheus as the process-wide swift-metrics backend, exactly once.
import Metrics
import Prometheus
import Synchronization

/// The one place ebbflow connects swift-metrics to Prometheus.
///
/// Library code (queue, workers, scheduler) never imports Prometheus. It records through the
/// swift-metrics API, so it stays backend-agnostic and costs nothing when no backend is set:
///
/// ```swift
/// import Metrics
/// let completed = Counter(label: "ebbflow_jobs_total", dimensions: [("queue", "default"), ("state", "completed")])
/// completed.increment()
/// Timer(label: "ebbflow_job_duration_seconds", dimensions: [("queue", "default")]).recordNanoseconds(elapsed)
/// Gauge(label: "ebbflow_workers_busy").record(3)
/// ```
///
/// The executable calls `bootstrapOnce(registry:)` at startup and serves the same registry
/// with `EbbflowHTTP.MetricsRoutes`. Prometheus naming applies to the labels: snake_case, counters end
/// in `_total`, durations in `_seconds` (a swift-metrics `Timer` becomes a histogram whose
/// buckets and sums are in seconds), and one name always has the same dimension keys.
public enum EbbflowMetrics {
    /// The registry installed by the first `bootstrapOnce`, if any.
    private static let installed = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Makes `registry` the swift-metrics backend, unless a registry was installed already.
    ///
    /// `MetricsSystem.bootstrap` may run once per process (a second call traps), yet tests
    /// and embedding code may reach startup more than once; the lock makes later calls no-ops.
    /// Metrics created before the first call go to swift-metrics' no-op backend and are lost,
    /// so call it before creating any `Counter`, `Timer` or `Gauge`. Never mix this with a
    /// direct `MetricsSystem.bootstrap` call elsewhere.
    ///
    /// - Parameters:
    ///   - help: `# HELP` text by metric name, emitted for metrics created through swift-metrics
    ///     (which has no help parameter of its own); see `HelpTextMetricsFactory`.
    ///   - configure: adjusts the `PrometheusMetricsFactory` before use. Its default `Timer`
    ///     buckets stop at 10 s, so give long-running jobs their own, e.g.
    ///     `$0.durationHistogramBuckets["ebbflow_job_duration_seconds"] = [.seconds(1), .seconds(10), .seconds(60), .seconds(600)]`.
    /// - Returns: the registry actually in use, which is the first caller's: serve that one.
    @discardableResult
    public static func bootstrapOnce(
        registry: PrometheusCollectorRegistry,
        help: [String: String] = [:],
        configure: (inout PrometheusMetricsFactory) -> Void = { _ in }
    ) -> PrometheusCollectorRegistry {
        installed.withLock { installed in
            if let existing = installed { return existing }
            var prometheus = PrometheusMetricsFactory(registry: registry)
            configure(&prometheus)
            MetricsSystem.bootstrap(HelpTextMetricsFactory(prometheus: prometheus, help: help))
            installed = registry
            return registry
        }
    }

    /// The registry installed by `bootstrapOnce`, or nil before it has run.
    public static var bootstrappedRegistry: PrometheusCollectorRegistry? {
        installed.withLock { $0 }
    }
}
