// Runs the worker's maintenance services on their own periods: heartbeat, rescuer, pruner, scheduler, statistics.
import EbbflowCore
import Foundation
import Logging
import PostgresClient

/// Every worker runs every service; each service is safe to run concurrently on many
/// workers (SKIP LOCKED or idempotent statements), so there is no leader to elect.
actor Maintenance {
    private let heartbeat: LeaseHeartbeat
    private let rescuer: Rescuer
    private let pruner: Pruner
    private let scheduler: Scheduler
    private let statistics: StatisticsRefresher
    private let pool: PGPool
    private let logger: Logger
    private var lastRun: [String: ContinuousClock.Instant] = [:]
    private let periods: [String: Duration]
    /// The jobs the worker is running right now: the only leases to extend.
    private let runningIDs: @Sendable () async -> [Int64]
    private let depthMemory = DepthMemory()

    init(store: JobStore, schema: SchemaName, configuration: WorkerConfiguration, pool: PGPool, logger: Logger,
         runningIDs: @escaping @Sendable () async -> [Int64]) {
        self.runningIDs = runningIDs
        heartbeat = LeaseHeartbeat(store: store, workerID: configuration.id, leaseSeconds: configuration.leaseSeconds)
        rescuer = Rescuer(store: store)
        pruner = Pruner(store: store, completedRetention: configuration.completedRetention,
                        discardedRetention: configuration.discardedRetention)
        scheduler = Scheduler(store: store, schedules: ScheduleStore(schema: schema), logger: logger)
        statistics = StatisticsRefresher(store: store, logger: logger)
        self.pool = pool
        self.logger = logger
        periods = [
            "rescuer": .seconds(max(1, min(5, configuration.leaseSeconds / 3))),
            "pruner": .seconds(60),
            "scheduler": configuration.maintenanceInterval,
            "depth": .seconds(10),
            "statistics": .seconds(2),
        ]
    }

    /// Runs each service whose period has passed. Returns true if work became due.
    func runOnce() async -> Bool {
        var madeWork = false
        for name in ["rescuer", "pruner", "scheduler", "depth", "statistics"] where isDue(name) {
            lastRun[name] = .now
            let ids = name == "heartbeat" ? await runningIDs() : []
            do {
                let count = try await pool.withConnection { connection in
                    try await connection.run { [heartbeat, rescuer, pruner, scheduler, statistics, depthMemory] connection in
                        switch name {
                        case "heartbeat": return try heartbeat.run(running: ids, on: connection)
                        case "rescuer": return try rescuer.run(on: connection)
                        case "pruner": return try pruner.run(on: connection)
                        case "depth": return try QueueDepthSampler(store: heartbeat.store, previous: depthMemory).run(on: connection)
                        case "statistics": return try statistics.run(on: connection)
                        default: return try scheduler.run(on: connection)
                        }
                    }
                }
                if count > 0 && (name == "rescuer" || name == "scheduler") { madeWork = true }
                if count > 0 && name != "heartbeat" { logger.debug("maintenance", metadata: ["service": "\(name)", "rows": "\(count)"]) }
            } catch {
                logger.warning("maintenance step failed", metadata: ["service": "\(name)", "error": "\(error)"])
            }
        }
        return madeWork
    }

    /// Renews the leases of running jobs. Its own loop (see `QueueWorker`), also in drain mode,
    /// so slow maintenance can never let a live job's lease lapse.
    func renewLeases() async {
        let ids = await runningIDs()
        let heartbeat = self.heartbeat
        do {
            try await pool.withConnection { connection in
                try await connection.run { try heartbeat.run(running: ids, on: $0) }
            }
        } catch {
            logger.warning("lease heartbeat failed", metadata: ["error": "\(error)"])
        }
    }

    /// For `--drain`: enqueue whatever schedules are due now.
    func fireDueSchedules() async throws {
        let scheduler = self.scheduler
        _ = try await pool.withConnection { connection in
            try await connection.run { try scheduler.run(on: $0) }
        }
    }

    private func isDue(_ name: String) -> Bool {
        guard let last = lastRun[name], let period = periods[name] else { return true }
        return ContinuousClock.now - last >= period
    }
}
