// One gauge without labels, recorded by name: for a sampled figure such as the outbox's oldest due send.
import Metrics

/// Why here: the executables record their sampled figures through this module, so they need
/// not depend on swift-metrics themselves (GaugeFamily does the same for labelled ones).
public enum PlainGauge {
    public static func record(_ label: String, _ value: Double) { Gauge(label: label).record(value) }
}
