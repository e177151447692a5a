// Per-key token buckets: each key gets its rate of requests a second to this process, a second's worth at once.
import Synchronization

/// Why in the process and not the database: a limit exists to protect the database, and
/// asking the database to count would spend a write per request on the very thing being
/// protected. Each `serve` process limits on its own, so behind a load balancer of N
/// processes a key may reach N times its rate: the README says so.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    private let clock = ContinuousClock()

    /// Takes one token from `key`'s bucket; nil when taken, else the whole seconds until one is
    /// there (at least 1: `Retry-After` counts in seconds).
    func take(key: String, ratePerSecond rate: Int) -> Int? {
        let now = clock.now
        let capacity = Double(max(1, rate))
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(capacity, bucket.tokens + seconds * capacity)
            bucket.updated = now
            defer { buckets[key] = bucket }
            guard bucket.tokens >= 1 else {
                return max(1, Int(((1 - bucket.tokens) / capacity).rounded(.up)))
            }
            bucket.tokens -= 1
            return nil
        }
    }
}
