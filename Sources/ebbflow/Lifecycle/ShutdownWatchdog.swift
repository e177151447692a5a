// Bounds a graceful shutdown whatever the database does: on an OS thread of its own, armed by the first SIGTERM/SIGINT.
import Foundation
import Logging
import PostgresClient

/// After the first signal, the process gets `shutdownTimeout` to finish its work (or hand it
/// back), then `grace` for the rest; past that it exits with status 3, whatever it waits for.
///
/// Why an OS thread and `_exit`: the waits that hold a shutdown are libpq calls blocked on a
/// server that does not answer (a commit waiting for a synchronous standby that is gone, a
/// lock), each on its connection's thread; tasks awaiting them cannot be cancelled, and a
/// starved or blocked cooperative pool could not run a timer either. This thread needs neither.
///
/// Before giving up it helps the graceful path: at the shutdown timeout, and every 5 seconds
/// after, it asks the server to cancel the statements of the process that have waited over a
/// second, so blocked threads return and the process can end cleanly (status 0). The exit does
/// not depend on those cancels being answered. Jobs not handed back return to the queue when
/// their leases expire.
final class ShutdownWatchdog: @unchecked Sendable {
    /// Added to the shutdown timeout: the hand-back and deregistration, each bounded to a few
    /// seconds, fit in it with room to spare.
    static let grace: Duration = .seconds(15)
    /// The exit status after the watchdog gave up on a graceful end.
    static let exitStatus: Int32 = 3
    /// Between rounds of cancels in the grace period.
    static let cancelRound: Duration = .seconds(5)

    private let shutdownTimeout: Duration
    private let logger: Logger
    private let condition = NSCondition()
    private var armed = false
    private var finished = false

    init(shutdownTimeout: Duration, logger: Logger) {
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
    }

    /// Starts the clock (once; later calls do nothing).
    func arm() {
        let first = condition.withLock {
            defer { armed = true }
            return !armed
        }
        guard first else { return }
        let thread = Thread { [self] in watch(from: .now) }
        thread.name = "shutdown-watch"
        thread.stackSize = 1 << 18
        thread.start()
    }

    /// The graceful shutdown has finished: the watchdog stands down.
    func finish() {
        condition.withLock {
            finished = true
            condition.broadcast()
        }
    }

    private func watch(from start: ContinuousClock.Instant) {
        let timeoutEnds = start + shutdownTimeout
        if sleep(until: timeoutEnds) { return }
        var round = timeoutEnds
        while round < timeoutEnds + Self.grace {
            let cancelled = StatementActivity.cancelAll(runningLongerThan: .seconds(1))
            if cancelled > 0 {
                logger.warning(
                    "shutdown timeout passed: cancelling database statements in flight so the process can stop",
                    metadata: ["statements": "\(cancelled)"])
            }
            round = min(round + Self.cancelRound, timeoutEnds + Self.grace)
            if sleep(until: round) { return }
        }
        logger.error(
            """
            shutdown did not finish within the shutdown timeout + 15 s: exiting with status 3 (the database does \
            not answer; jobs not handed back return when their leases expire)
            """
        )
        fflush(nil)
        _exit(Self.exitStatus)
    }

    /// Sleeps until `deadline`; true when the shutdown finished meanwhile.
    private func sleep(until deadline: ContinuousClock.Instant) -> Bool {
        condition.withLock {
            while !finished {
                let left = ContinuousClock.now.duration(to: deadline)
                if left <= .zero { break }
                let seconds = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
                _ = condition.wait(until: Date(timeIntervalSinceNow: seconds))
            }
            return finished
        }
    }
}
