// Which of a worker's queues have a rate limit: the claim loop meters only claims that name one.
import Foundation

/// The worker's knowledge of which of its queues are rate-limited.
///
/// Why: the metered claim (`QueueSQL.claim`) locks and writes buckets and unions two picks;
/// a worker whose queues have no limit would pay that on every claim for nothing (half the
/// claims a connection makes, in `ebbflow-bench ratelimit`). So the claim loop reads the
/// limited queues among its own (`JobStore.limitedQueues`) and uses the claim as it was
/// before rate limits when none of the queues it claims is limited. A limit set or cleared
/// NOTIFYs the queue's channel with `limitPayload(queue)`; the listener marks the view stale
/// and wakes the loop, which reads the limits again before its next claim. Without the
/// listener (pgbouncer, `listen` off, a lost connection) the view is read again at least
/// once per poll interval, so a new limit applies within one poll interval at worst.
final class QueueLimitWatch: @unchecked Sendable {
    private let lock = NSLock()
    private var stale = true

    /// The NOTIFY payload that announces a change to `queue`'s limit. A queue name has no
    /// comma (`QueueName`), so no enqueue's payload can look like it.
    static func payload(_ queue: String) -> String { "limit," + queue }

    /// The queue a payload announces a limit change of, or nil for any other payload.
    static func queue(fromPayload payload: String) -> String? {
        payload.hasPrefix("limit,") ? String(payload.dropFirst("limit,".count)) : nil
    }

    /// A limit of one of the worker's queues changed: read them again before the next claim.
    func invalidate() {
        lock.lock()
        stale = true
        lock.unlock()
    }

    /// Whether the limits must be read again; clears the mark (set again by a later change).
    func takeStale() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let was = stale
        stale = false
        return was
    }
}
