// One gauge name with one label, recorded as a whole set: a series that disappears is set to 0, not left stale.
import Metrics
import Synchronization

/// Why a family: a value sampled from elsewhere (the database) arrives as a set of labels and
/// values; a label absent from the next sample (no contact suppressed for that reason any more)
/// must read 0, or Prometheus would keep showing its last value for ever.
public final class GaugeFamily: Sendable {
    let label: String
    let dimension: String
    private let seen = Mutex<Set<String>>([])

    public init(label: String, dimension: String) {
        self.label = label
        self.dimension = dimension
    }

    /// Records every value of `sample`, and 0 for each label of the previous sample it lacks.
    public func record(_ sample: [String: Int]) {
        let gone = seen.withLock { seen in
            defer { seen = Set(sample.keys) }
            return seen.subtracting(sample.keys)
        }
        for (value, count) in sample { Gauge(label: label, dimensions: [(dimension, value)]).record(count) }
        for value in gone { Gauge(label: label, dimensions: [(dimension, value)]).record(0) }
    }
}
