// A value remembered per process and refreshed in the background once stale: the audience counts the overview shows every viewer.
import Synchronization

/// Why: counting contacts by status and segment is an index-only scan of a million entries
/// (about 130 ms in release, about 1 s while the decay pass's updates leave the visibility map
/// dirty), and the overview's audience part reloads every minute in every open browser. Counts
/// ten seconds old are as good to a person. Past the time to live the remembered counts are
/// still shown while one background task counts again (stale while revalidating): no request
/// waits for a count but the process's very first.
final class TimedCache<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var at: ContinuousClock.Instant?
        var refreshing = false
    }

    private let ttl: Duration
    private let state = Mutex(State())

    init(ttl: Duration) { self.ttl = ttl }

    /// The remembered value, and whether it is still within the time to live; nil before the first.
    func peek() -> (value: Value, fresh: Bool)? {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard let value = state.value, let at = state.at else { return nil }
            return (value, now - at < ttl)
        }
    }

    func store(_ value: Value) {
        let now = ContinuousClock.now
        state.withLock {
            $0.value = value
            $0.at = now
        }
    }

    /// Claims the one refresh in flight; false when another caller has it.
    func beginRefresh() -> Bool {
        state.withLock { state in
            guard !state.refreshing else { return false }
            state.refreshing = true
            return true
        }
    }

    func endRefresh() { state.withLock { $0.refreshing = false } }
}
