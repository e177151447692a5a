// State the test files share: the one swift-metrics bootstrap and a quiet logger.
import EbbflowMetrics
import Logging
import Prometheus

/// The process-wide registry: `MetricsSystem` can be bootstrapped once per test process too.
enum SharedRegistry {
    static let registry = EbbflowMetrics.bootstrapOnce(
        registry: PrometheusCollectorRegistry(),
        help: [
            "ebbflow_jobs_total": "Jobs that reached a final state.",
            "ebbflow_job_duration_seconds": "Time from claim to final state.",
            "ebbflow_workers_busy": "Workers running a job.",
        ],
        configure: { $0.durationHistogramBuckets["ebbflow_job_duration_seconds"] = [.milliseconds(50), .seconds(60)] }
    )
}

/// Start/stop lines at info would bury the test output; warnings and errors still show.
let quietLogger: Logger = {
    var logger = Logger(label: "ebbflow.metrics.tests")
    logger.logLevel = .warning
    return logger
}()
