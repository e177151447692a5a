// A swift-metrics factory over PrometheusMetricsFactory that adds `# HELP` text by metric name.
import CoreMetrics
import Prometheus

/// Why it exists: swift-metrics has no help parameter, so `PrometheusMetricsFactory` registers
/// every metric with empty help and the exposition has no `# HELP` lines, which
/// `promtool check metrics` reports as "no help text" (exit 3). This factory creates the same
/// Prometheus types through the registry's descriptor API, filling help from a table keyed by
/// the final metric name. Buckets and the name/label sanitizer still come from the wrapped
/// `PrometheusMetricsFactory`, so its documented configuration keeps working, and destroying a
/// handler is delegated to it unchanged.
///
/// One name must always map to one help text; the table guarantees that. A name missing
/// from the table gets empty help, exactly as with `PrometheusMetricsFactory` alone.
public struct HelpTextMetricsFactory: MetricsFactory {
    public let prometheus: PrometheusMetricsFactory
    public let help: [String: String]

    public init(prometheus: PrometheusMetricsFactory, help: [String: String]) {
        self.prometheus = prometheus
        self.help = help
    }

    private var registry: PrometheusCollectorRegistry { prometheus.registry }

    /// The sanitized name and labels, and the descriptor carrying the name's help text.
    private func describe(_ label: String, _ dimensions: [(String, String)])
        -> (descriptor: MetricNameDescriptor, labels: [(String, String)])
    {
        let (name, labels) = prometheus.nameAndLabelSanitizer(label, dimensions)
        // unitName "" adds no suffix: the label is already the full Prometheus name.
        return (MetricNameDescriptor(metricName: name, unitName: "", helpText: help[name] ?? ""), labels)
    }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        let (descriptor, labels) = describe(label, dimensions)
        return registry.makeCounter(descriptor: descriptor, labels: labels)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)])
        -> any FloatingPointCounterHandler
    {
        let (descriptor, labels) = describe(label, dimensions)
        return registry.makeCounter(descriptor: descriptor, labels: labels)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        let (descriptor, labels) = describe(label, dimensions)
        guard aggregate else { return registry.makeGauge(descriptor: descriptor, labels: labels) }
        let buckets = prometheus.valueHistogramBuckets[descriptor.name] ?? prometheus.defaultValueHistogramBuckets
        return registry.makeValueHistogram(descriptor: descriptor, labels: labels, buckets: buckets)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        let (descriptor, labels) = describe(label, dimensions)
        return registry.makeGauge(descriptor: descriptor, labels: labels)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let (descriptor, labels) = describe(label, dimensions)
        let buckets = prometheus.durationHistogramBuckets[descriptor.name] ?? prometheus.defaultDurationHistogramBuckets
        return registry.makeDurationHistogram(descriptor: descriptor, labels: labels, buckets: buckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) { prometheus.destroyCounter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        prometheus.destroyFloatingPointCounter(handler)
    }
    public func destroyRecorder(_ handler: any RecorderHandler) { prometheus.destroyRecorder(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { prometheus.destroyMeter(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { prometheus.destroyTimer(handler) }
}
