// Cancels jobs past their timeout; their execution then records a timeout failure.
import ServiceLifecycle

/// One watchdog per worker instead of a timer per job (see `JobDeadline`). A Service of its
/// own so the claim loop only claims; it reads the shared `RunningJobs` table.
struct Watchdog: Service {
    let running: RunningJobs
    /// Four times a second at most, finer for sub-second timeouts (tests).
    let period: Duration

    init(running: RunningJobs, jobTimeout: Duration) {
        self.running = running
        period = .milliseconds(min(250, max(10, Int(jobTimeout.components.seconds * 250))))
    }

    func run() async {
        await cancelWhenGracefulShutdown { [running, period] in
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                running.expireOverdue(now: .now)
            }
        }
    }
}
