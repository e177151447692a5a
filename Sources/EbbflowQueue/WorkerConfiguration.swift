// How a worker runs: its queues, concurrency, timings and policies, with production defaults.
import Foundation

public struct WorkerConfiguration: Sendable {
    /// Unique per process; appears in `locked_by` and the `workers` table.
    public var id: String
    public var queues: [String]
    /// Jobs run at once.
    public var concurrency: Int
    /// Claim again at least this often when no NOTIFY arrives.
    public var pollInterval: Duration
    /// Wake on NOTIFY; off behind pgbouncer in transaction mode, which cannot LISTEN.
    public var listen: Bool
    /// Real seconds a claimed job stays ours without a heartbeat; heartbeats every third of it.
    public var leaseSeconds: Double
    /// A handler running longer is cancelled and its attempt fails with a timeout.
    public var jobTimeout: Duration
    /// On SIGTERM, how long running jobs may finish before they are handed back.
    public var shutdownTimeout: Duration
    public var retryPolicy: RetryPolicy
    /// Run what is due now (including what that makes due now), fire due schedules, then stop.
    public var drain: Bool
    /// Maintenance (rescue, prune, schedules) runs this often.
    public var maintenanceInterval: Duration
    public var completedRetention: Double
    public var discardedRetention: Double

    public init(
        id: String = WorkerConfiguration.defaultID(), queues: [String] = ["default"], concurrency: Int = 10,
        pollInterval: Duration = .seconds(1), listen: Bool = true, leaseSeconds: Double = 30,
        jobTimeout: Duration = .seconds(300), shutdownTimeout: Duration = .seconds(30),
        retryPolicy: RetryPolicy = RetryPolicy(),
        drain: Bool = false, maintenanceInterval: Duration = .seconds(1),
        completedRetention: Double = 86_400, discardedRetention: Double = 14 * 86_400
    ) {
        self.id = id
        self.queues = queues
        self.concurrency = max(1, concurrency)
        self.pollInterval = pollInterval
        self.listen = listen
        self.leaseSeconds = leaseSeconds
        self.jobTimeout = jobTimeout
        self.shutdownTimeout = shutdownTimeout
        self.retryPolicy = retryPolicy
        self.drain = drain
        self.maintenanceInterval = maintenanceInterval
        self.completedRetention = completedRetention
        self.discardedRetention = discardedRetention
    }

    /// host-pid-random: unique across pods and restarts.
    public static func defaultID() -> String {
        "\(ProcessInfo.processInfo.hostName.prefix(40))-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(6).lowercased())"
    }
}
