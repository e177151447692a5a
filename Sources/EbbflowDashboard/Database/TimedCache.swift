// A value remembered for a few seconds per process: the audience counts the overview shows to every viewer.
import Synchronization

/// Why: counting contacts by status and segment is an index-only scan of a million entries
/// (about 270 ms, about 950 ms while the decay pass's updates leave the visibility map dirty);
/// the overview's audience part reloads every minute in every open browser. Counts ten seconds
/// old are as good to a person, and the cost is paid once per ten seconds per process instead
/// of once per view. Two requests that miss together both count (no waiting on each other).
final class TimedCache<Value: Sendable>: Sendable {
    private let ttl: Duration
    private let stored = Mutex<(value: Value, at: ContinuousClock.Instant)?>(nil)

    init(ttl: Duration) { self.ttl = ttl }

    /// The remembered value if younger than the time to live, else `compute()`'s, remembered.
    func value(_ compute: () throws -> Value) rethrows -> Value {
        let now = ContinuousClock.now
        if let entry = stored.withLock({ $0 }), now - entry.at < ttl { return entry.value }
        let value = try compute()
        stored.withLock { $0 = (value, now) }
        return value
    }
}
