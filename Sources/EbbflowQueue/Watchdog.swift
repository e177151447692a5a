// Cancels jobs past their timeout; their execution then records a timeout failure.
import ServiceLifecycle

/// One watchdog per worker instead of a timer per job (see `JobDeadline`). A Service of its
/// own so the claim loop only claims; the expiry itself runs on the claim loop (`expire`).
///
/// Why there: job tasks begin on the claim loop's actor, so an expiry queued behind them
/// cannot cancel a job before it has begun. A job cancelled before it reaches its first
/// statement would send its cancel request to an idle connection, where it is lost, and a
/// blocking statement after it would then run unbounded (seen under load when the watchdog
/// ran apart from the loop).
struct Watchdog: Service {
    let expire: @Sendable () async -> Void
    /// Four times a second at most, finer for sub-second timeouts (tests).
    let period: Duration

    init(jobTimeout: Duration, expire: @escaping @Sendable () async -> Void) {
        self.expire = expire
        period = .milliseconds(min(250, max(10, Int(jobTimeout.components.seconds * 250))))
    }

    func run() async {
        await cancelWhenGracefulShutdown { [expire, period] in
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                await expire()
            }
        }
    }
}
