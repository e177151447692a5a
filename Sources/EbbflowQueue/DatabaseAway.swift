// Which failures mean "the database went away" (a crash, a failover), and retrying through them for a bounded time.
import PostgresClient

/// Why: when the primary dies and a standby is promoted, every statement in flight fails with a
/// lost connection, and for a few seconds no connection can be had. That is not the job's
/// fault, and the database that comes back (the promoted standby) still holds the job as
/// claimed by this worker. A worker that wrote the job's end once and gave up left it to its
/// lease: the drain resumed only when the leases of the jobs in flight lapsed (32 s after the
/// promotion, with 30 s leases). Retrying the write while the database is away ends the job as
/// soon as a connection can be had again. Every such write is guarded by the job's hold
/// (`state = 'running' AND locked_by = worker`), so a retry after a write that did land, or
/// after the job was rescued and given to another worker, changes nothing.
enum DatabaseAway {
    /// A lost or refused connection, the server's goodbyes (class 08, connection exceptions;
    /// 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now) and a read-only
    /// server (25006: a standby reached before its promotion). Not a pool that could lend no
    /// connection in time: on a busy machine that is contention, not an outage, and counting it
    /// made a failed job's retry due at once instead of after its backoff (a poison job was
    /// discarded within one drain in a loaded CI run).
    static func explains(_ error: any Error) -> Bool {
        guard let error = error as? PGError else { return false }
        if error.isConnectionError { return true }
        guard let state = error.sqlState else { return false }
        return state.hasPrefix("08") || state.hasPrefix("57P") || state == "25006"
    }

    /// Runs `attempt` again while it fails because the database is away, with a backoff from 50 ms
    /// doubling to 1 s, until it succeeds, fails for another reason, the next try would start past
    /// `deadline`, or the task is cancelled (a shutdown); the last error is then thrown.
    /// `onRetry` is told the number of each retry, from 1.
    static func retrying<T: Sendable>(
        until deadline: ContinuousClock.Instant, onRetry: (Int) -> Void = { _ in },
        _ attempt: () async throws -> T
    ) async throws -> T {
        var delay = Duration.milliseconds(50)
        var retries = 0
        while true {
            do {
                return try await attempt()
            } catch {
                guard explains(error) && !Task.isCancelled && ContinuousClock.now + delay < deadline else {
                    throw error
                }
                try? await Task.sleep(for: delay)
                if Task.isCancelled { throw error }
                delay = min(delay * 2, .seconds(1))
                retries += 1
                onRetry(retries)
            }
        }
    }
}
