// One worker process's engine: its services (claim loop, listener, maintenance, heartbeat, watchdog) in one ServiceGroup.
import EbbflowCore
import Foundation
import Logging
import PostgresClient
import ServiceLifecycle
import UnixSignals

/// Puts the worker's pieces together and runs them; each piece has one job:
///
/// - `ClaimLoop` claims due jobs in batches, runs them, and on shutdown lets them finish or
///   hands them back;
/// - `NotificationListener` wakes it on a NOTIFY for one of its queues;
/// - a `MaintenanceRunner` renews the leases of running jobs (`LeaseHeartbeat`);
/// - another runs rescue, pruning, schedules, queue depth and statistics (`WorkerMaintenance`);
/// - `Watchdog` cancels jobs past their timeout.
///
/// They run as Services of one `ServiceGroup` (with any others the process adds, such as its
/// HTTP server), which stops them in reverse order on graceful shutdown: the claim loop first,
/// while the heartbeat still renews the leases of the jobs it lets finish; then the worker's
/// row is deleted; the HTTP server last, so `/readyz` says "not ready" throughout.
public final class QueueWorker: Sendable {
    public let configuration: WorkerConfiguration
    private let store: JobStore
    private let schema: SchemaName
    private let registry: JobRegistry
    private let database: PGConfiguration
    private let logger: Logger
    private let pool: PGPool
    private let wake = WakeSignal()
    private let limits = QueueLimitWatch()
    private let running = RunningJobs()
    private let readiness: WorkerReadiness
    private let claimLoop: ClaimLoop

    /// - Parameter onReadiness: told whether the worker can take work (Kubernetes readiness):
    ///   true once it is registered and about to claim, false while its claims fail (the
    ///   database is unreachable) and from the moment it is asked to stop.
    /// - Parameter claimGate: when given, nothing is claimed until it is opened (by the
    ///   process's HTTP server once it listens).
    /// - Parameter drainFeed: in drain mode, asked for more work each time nothing is left to
    ///   claim (`DrainFeed`; delivery's dispatcher).
    public init(
        database: PGConfiguration, schema: SchemaName, registry: JobRegistry,
        configuration: WorkerConfiguration, logger: Logger, claimGate: ClaimGate? = nil,
        drainFeed: DrainFeed? = nil, onReadiness: @escaping @Sendable (Bool) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.store = JobStore(schema: schema)
        self.schema = schema
        self.registry = registry
        self.database = database
        self.logger = logger
        readiness = WorkerReadiness(onChange: onReadiness)
        // Slots, plus the claim loop, the completer and maintenance.
        pool = PGPool(
            database, maxConnections: configuration.concurrency + 3, acquireTimeout: .seconds(60), logger: logger)
        let completer = BatchCompleter(
            store: store, workerID: configuration.id, pool: pool, logger: logger,
            keepHistory: configuration.completedRetention > 0, outageBound: .seconds(configuration.leaseSeconds))
        let execution = JobExecution(
            store: store, registry: registry, configuration: configuration, pool: pool,
            completer: completer, committer: GroupCommitter(pool: pool, logger: logger), logger: logger)
        claimLoop = ClaimLoop(
            configuration: configuration, store: store, registry: registry, pool: pool,
            completer: completer, execution: execution, running: running, readiness: readiness,
            wake: wake, limits: limits, gate: claimGate, drainFeed: configuration.drain ? drainFeed : nil,
            logger: logger)
    }

    /// Asks the worker to stop claiming; `run()` then finishes or hands back running jobs.
    public func stop() async {
        claimLoop.stop()
    }

    /// Jobs run to an end by this worker (for drain reports and tests).
    public var finishedCount: Int {
        get async { await claimLoop.finishedCount }
    }

    /// Runs until `stop()`, a graceful shutdown of the group (one of `gracefulShutdownSignals`),
    /// or, in drain mode, until nothing is due. Returns after running jobs have finished or,
    /// past the shutdown timeout, been handed back unharmed.
    ///
    /// - Parameters:
    ///   - services: run beside the worker's own in the same group, started with it and
    ///     stopped after it (the process's HTTP server).
    ///   - gracefulShutdownSignals: signals that shut the group down gracefully (the CLI passes
    ///     SIGTERM and SIGINT; in-process callers use `stop()`).
    public func run(alongside services: [any Service] = [], gracefulShutdownSignals: [UnixSignal] = []) async throws {
        try await registerWorker()
        logger.info(
            "worker started",
            metadata: [
                "id": "\(configuration.id)", "queues": "\(configuration.queues.joined(separator: ","))",
                "concurrency": "\(configuration.concurrency)", "kinds": "\(registry.kinds.joined(separator: ","))",
            ])
        if configuration.drain {
            let scheduler = Scheduler(store: store, schedules: ScheduleStore(schema: schema), logger: logger)
            _ = try await pool.withConnection { connection in
                try await connection.run { try scheduler.run(on: $0) }
            }
        }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: (services + workerServices()).map {
                    ServiceGroupConfiguration.ServiceConfiguration(service: $0)
                }
                    + [.init(service: claimLoop, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: gracefulShutdownSignals, logger: logger))
        let outcome: Result<Void, any Error>
        do {
            try await group.run()
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await pool.close()
        let finished = await finishedCount
        logger.info("worker stopped", metadata: ["id": "\(configuration.id)", "jobs": "\(finished)"])
        try outcome.get()
    }

    /// The services that serve the claim loop, in start order (stopped in reverse, after it).
    private func workerServices() -> [any Service] {
        // First, so stopped last of the worker's own: after the claim loop has handed back what
        // it could not finish, before the services beside the worker (the HTTP server last).
        var services: [any Service] = [WorkerRegistration { [self] in try? await deregisterWorker() }]
        if configuration.listen {
            services.append(
                NotificationListener(
                    database: database, channel: store.channel, queues: Set(configuration.queues),
                    wake: wake, limits: limits, logger: logger))
        }
        if !configuration.drain {
            services.append(
                MaintenanceRunner(
                    services: WorkerMaintenance.periodic(
                        store: store, schema: schema, configuration: configuration, logger: logger),
                    tick: configuration.maintenanceInterval, pool: pool, wake: wake, logger: logger))
        }
        services.append(
            MaintenanceRunner(
                services: [WorkerMaintenance.heartbeat(store: store, configuration: configuration, running: running)],
                tick: WorkerMaintenance.heartbeatPeriod(configuration), pool: pool, wake: wake, logger: logger))
        let claimLoop = self.claimLoop
        services.append(Watchdog(jobTimeout: configuration.jobTimeout) { await claimLoop.expireOverdue() })
        return services
    }

    /// Removes the worker's row once the group shuts down, however it does (gracefully, or
    /// cancelled because a service failed).
    private struct WorkerRegistration: Service {
        let deregister: @Sendable () async -> Void

        func run() async {
            try? await gracefulShutdown()
            // Off the service's task, which may be cancelled: the row must still be deleted.
            await Task { await deregister() }.value
        }
    }

    private func registerWorker() async throws {
        let (sql, configuration) = (store.sql, self.configuration)
        try await pool.withConnection { connection in
            try await connection.execute(
                sql.registerWorker, [configuration.id, configuration.queues, configuration.concurrency])
        }
    }

    /// Bounded: a database that does not answer must not hold the exit (the row then goes stale
    /// and is cleaned up like a killed worker's).
    private func deregisterWorker() async throws {
        let (sql, id, pool) = (store.sql, configuration.id, pool)
        let done = await finishedWithin(.seconds(3)) {
            _ = try? await pool.withConnection { try await $0.execute(sql.deregisterWorker, [id]) }
        }
        if !done { logger.warning("worker row not deleted: the database did not answer within 3 s") }
    }
}
