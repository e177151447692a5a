// Notices statements of this process waiting on the server past a bound: says so to readiness, and logs each stall once with what the server says it waits for.
public import Logging

/// Watches `StatementActivity` and reports stall episodes.
///
/// An episode starts when a watched statement of the process has waited on the server longer
/// than `bound` and ends when none has. At its start `onChange(true)` (the process's `/readyz`
/// turns 503) and one warning names the longest-waiting statement (its first line, never its
/// values), how long it has waited, and the server's view of its backend (`wait_event_type` /
/// `wait_event` and the blocking pids from `pg_stat_activity`, read on a connection of its own
/// with short timeouts). At its end `onChange(false)` and one line at info. A database that
/// stopped committing (a synchronous standby that is gone) or a lock held elsewhere thus shows
/// as one warning and a 503, not as a silent hang or a flood of lines.
///
/// Which statements count (why the bound can be as low as 30 s): every statement on a pooled
/// connection of the process (claims, completions, group commits, heartbeats, the rescuer, the
/// API's requests), which must be quick, except those of job handlers, which may rightly run
/// for minutes and are bounded by the job timeout instead (`PGConnection.watchStatements`).
/// Notification waits are not statements and never count.
///
/// The monitor only sleeps and reads the slots; the server's view is read in a task of its own
/// that it does not wait for, so a server that does not answer that read either cannot hold it.
public struct StallMonitor: Sendable {
    public let bound: Duration
    let database: PGConfiguration
    let logger: Logger
    let onChange: @Sendable (Bool) -> Void

    /// - Parameters:
    ///   - bound: how long a statement may wait before the process counts as stalled.
    ///   - database: where the server's view is read (a connection of its own, opened per stall).
    ///   - onChange: told `true` when an episode starts, `false` when it ends.
    public init(
        bound: Duration, database: PGConfiguration, logger: Logger, onChange: @escaping @Sendable (Bool) -> Void
    ) {
        self.bound = bound
        self.database = database
        self.logger = logger
        self.onChange = onChange
    }

    /// Checks until the task is cancelled, a few times per bound (at most once a second).
    public func run() async {
        let interval = min(bound / 4, .seconds(1))
        var episodeStart: ContinuousClock.Instant?
        while !Task.isCancelled {
            let stalled = StatementActivity.inFlight(longerThan: bound)
            if let longest = stalled.max(by: { $0.running < $1.running }), episodeStart == nil {
                episodeStart = ContinuousClock.now - longest.running
                onChange(true)
                let (database, logger, count) = (database, logger, stalled.count)
                Task { await Self.report(longest, others: count - 1, database: database, logger: logger) }
            } else if stalled.isEmpty, let start = episodeStart {
                episodeStart = nil
                onChange(false)
                logger.info(
                    "database statements answer again",
                    metadata: ["stalled_for": "\(DurationLabel.seconds(ContinuousClock.now - start))"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// The one warning of an episode, with the server's view of the statement's backend.
    static func report(_ statement: StatementInFlight, others: Int, database: PGConfiguration, logger: Logger) async {
        let view = await ServerWaitView.read(backendPID: statement.backendPID, database: database, logger: logger)
        var metadata: Logger.Metadata = [
            "statement": "\(statement.firstLine)", "waiting": "\(DurationLabel.seconds(statement.running))",
            "server_wait": "\(view.wait)", "backend_pid": "\(statement.backendPID)",
        ]
        if let blockers = view.blockedBy { metadata["blocked_by"] = "\(blockers)" }
        if others > 0 { metadata["other_stalled_statements"] = "\(others)" }
        logger.warning("database stalled: a statement waits past the stall bound", metadata: metadata)
    }
}

/// Whole seconds with one decimal, for log lines ("31.2 s").
enum DurationLabel {
    static func seconds(_ duration: Duration) -> String {
        let tenths = duration.components.seconds * 10 + duration.components.attoseconds / 100_000_000_000_000_000
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
