// Which of a worker's rate-limited queues have no token yet, and until when: the claim loop skips them instead of spinning.
import Foundation

/// A worker's view of the rate limits its last claims ran into.
///
/// Why: a claim of a drained bucket gets nothing, and a worker that claimed again at every
/// NOTIFY or finished job would spin on the bucket's lock (an enqueue of thousands of jobs is
/// thousands of wake-ups). The claim says how long until each drained bucket holds a whole
/// token (`ClaimResult.throttled`); such a queue is left out of claims until then, and a
/// worker whose queues are all throttled sleeps until the first is due. The wait is capped at
/// the poll interval, so a limit raised or cleared meanwhile (or a simulation clock moved) is
/// seen within it; the database still decides, at the next claim.
struct QueueThrottle {
    private var until: [String: ContinuousClock.Instant] = [:]
    /// The clock of the last claim that found every bucket it named drained and took nothing.
    private var lastDryClock: Date?
    /// Two such claims in a row at one database time: the clock is frozen (a simulation), so no
    /// token will come until someone moves it. A draining worker stops then.
    private(set) var clockStopped = false

    /// The queues that may be claimed now.
    func open(_ queues: [String], at now: ContinuousClock.Instant) -> [String] {
        queues.filter { until[$0].map { $0 <= now } ?? true }
    }

    /// How long until the first throttled queue opens; nil when none is throttled.
    func nextOpening(at now: ContinuousClock.Instant) -> Duration? {
        guard let first = until.values.filter({ $0 > now }).min() else { return nil }
        return first - now
    }

    /// Records a claim of `queues`: those it left without a token are closed for their wait
    /// (at most `cap`), the others are open.
    mutating func record(
        _ result: ClaimResult, queues: [String], cap: Duration, at now: ContinuousClock.Instant
    ) {
        for queue in queues { until[queue] = nil }
        for (queue, seconds) in result.throttled {
            let wait = min(cap, .milliseconds(Int64(max(0, min(seconds, 86_400)) * 1_000) + 1))
            until[queue] = now + wait
        }
        if result.rows.isEmpty && !result.throttled.isEmpty {
            clockStopped = lastDryClock == result.now
            lastDryClock = result.now
        } else {
            clockStopped = false
            lastDryClock = nil
        }
    }
}
