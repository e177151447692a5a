// swift-metrics Counter, Timer and Gauge, bootstrapped once, appear in GET /metrics (served by EbbflowHTTP).
import EbbflowHTTP
import EbbflowMetrics
import Metrics
import Prometheus
import Testing

@Suite struct MetricsExpositionTests {
    @Test func bootstrapOnceKeepsTheFirstRegistry() {
        let first = SharedRegistry.registry
        let later = EbbflowMetrics.bootstrapOnce(registry: PrometheusCollectorRegistry())
        #expect(later === first)
        #expect(EbbflowMetrics.bootstrappedRegistry === first)
    }

    @Test func swiftMetricsSeriesAppearInMetrics() async throws {
        let registry = SharedRegistry.registry
        Counter(label: "ebbflow_jobs_total", dimensions: [("queue", "exposition_test"), ("state", "completed")])
            .increment(by: 3)
        Metrics.Timer(label: "ebbflow_job_duration_seconds", dimensions: [("queue", "exposition_test")])
            .recordMilliseconds(30)
        Gauge(label: "ebbflow_exposition_test_gauge").record(2)

        let response = try await RunningServer.with([MetricsRoutes(registry: registry)]) { port async throws in
            try RawHTTPClient.get("/metrics", port: port)
        }

        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(Int(response.headers["content-length"] ?? "") == response.body.utf8.count)
        let lines = Set(response.body.split(separator: "\n").map(String.init))
        #expect(lines.contains("# HELP ebbflow_jobs_total Jobs that reached a final state."))
        #expect(lines.contains("# TYPE ebbflow_jobs_total counter"))
        #expect(lines.contains(#"ebbflow_jobs_total{queue="exposition_test",state="completed"} 3"#))
        #expect(lines.contains("# TYPE ebbflow_job_duration_seconds histogram"))
        #expect(lines.contains(#"ebbflow_job_duration_seconds_bucket{queue="exposition_test",le="0.05"} 1"#))
        #expect(lines.contains(#"ebbflow_job_duration_seconds_bucket{queue="exposition_test",le="60.0"} 1"#))
        #expect(lines.contains(#"ebbflow_job_duration_seconds_count{queue="exposition_test"} 1"#))
        #expect(lines.contains(#"ebbflow_job_duration_seconds_sum{queue="exposition_test"} 0.03"#))
        #expect(lines.contains("# TYPE ebbflow_exposition_test_gauge gauge"))
        #expect(lines.contains("ebbflow_exposition_test_gauge 2.0"))
    }
}
