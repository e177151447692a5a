// Which maintenance services a worker runs, with their periods: the heartbeat, and the periodic set.
import EbbflowCore
import Logging

enum WorkerMaintenance {
    /// Extends the leases of the jobs running here, every third of the lease.
    static func heartbeat(store: JobStore, configuration: WorkerConfiguration, running: RunningJobs)
        -> MaintenanceService
    {
        let heartbeat = LeaseHeartbeat(
            store: store, workerID: configuration.id, leaseSeconds: configuration.leaseSeconds)
        return MaintenanceService(name: "heartbeat", period: heartbeatPeriod(configuration), makesWorkDue: false) {
            try heartbeat.run(running: running.ids, on: $0)
        }
    }

    static func heartbeatPeriod(_ configuration: WorkerConfiguration) -> Duration {
        .milliseconds(Int(max(1, configuration.leaseSeconds / 3) * 1000))
    }

    /// Rescue, prune, schedules, queue depth and statistics, in that order on each tick.
    static func periodic(store: JobStore, schema: SchemaName, configuration: WorkerConfiguration, logger: Logger)
        -> [MaintenanceService]
    {
        let rescuer = Rescuer(store: store)
        let pruner = Pruner(
            store: store, completedRetention: configuration.completedRetention,
            discardedRetention: configuration.discardedRetention)
        let scheduler = Scheduler(store: store, schedules: ScheduleStore(schema: schema), logger: logger)
        let depth = QueueDepthSampler(store: store, previous: DepthMemory())
        let statistics = StatisticsRefresher(store: store, logger: logger)
        return [
            MaintenanceService(
                name: "rescuer", period: .seconds(max(1, min(5, configuration.leaseSeconds / 3))),
                makesWorkDue: true
            ) { try rescuer.run(on: $0) },
            MaintenanceService(name: "pruner", period: .seconds(60), makesWorkDue: false) { try pruner.run(on: $0) },
            MaintenanceService(name: "scheduler", period: configuration.maintenanceInterval, makesWorkDue: true) {
                try scheduler.run(on: $0)
            },
            MaintenanceService(name: "depth", period: .seconds(10), makesWorkDue: false) { try depth.run(on: $0) },
            MaintenanceService(name: "statistics", period: .seconds(2), makesWorkDue: false) {
                try statistics.run(on: $0)
            },
        ]
    }
}
