// Leases due sends and enqueues one `deliver` job per send, keeping the `deliver` queue's backlog bounded.
import EbbflowCore
import EbbflowEngine
import EbbflowQueue
import Foundation
import Logging
import PostgresClient
import ServiceLifecycle

/// Why a dispatcher in the worker and not a job per send enqueued when the send is decided:
/// a send becomes due later (its `at`, a retry's backoff, the end of quiet hours), its
/// eligibility is re-checked when it is leased, and a send's lease must not lapse while its
/// job waits behind a rate limit. So the dispatcher leases only what the `deliver` queue can
/// take soon: in one transaction it counts the queue's unfinished jobs, leases up to
/// `backlog` minus that many sends (`SendOutbox.lease`, which cancels the ineligible and
/// snoozes those in quiet hours) and enqueues their jobs; the lease and the jobs commit
/// together, so a leased send always has a job (or its lease expires and it is leased again).
/// One dispatcher at a time across processes (a transaction-scoped advisory lock); the others
/// skip their tick.
public struct DeliveryDispatcher: Service {
    let database: PGConfiguration
    let schema: SchemaName
    let outbox: SendOutbox
    let jobs: JobStore
    let settings: DeliverySettings
    let logger: Logger

    public init(database: PGConfiguration, schema: SchemaName, settings: DeliverySettings, logger: Logger) {
        self.database = database
        self.schema = schema
        outbox = SendOutbox(schema: schema)
        jobs = JobStore(schema: schema)
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        var connection: PGConnection?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var full = false
            do {
                if connection == nil { connection = try await PGConnection.connect(database, logger: logger) }
                let leased = try await connection!.run { try dispatch(on: $0) }
                full = leased >= settings.batch
            } catch {
                logger.warning("delivery dispatch failed; trying again", metadata: ["error": "\(error)"])
                if let open = connection { await open.run { $0.close() } }
                connection = nil
            }
            if !full {
                try? await gracefulShutdownOrSleep(settings.interval)
            }
        }
        if let open = connection { await open.run { $0.close() } }
    }

    /// Sleeps `duration`, returning early at graceful shutdown.
    private func gracefulShutdownOrSleep(_ duration: Duration) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }

    /// A draining worker's feed (`ebbflow worker --drain`): one tick each time the worker runs
    /// dry, waiting for another process's tick rather than skipping, so the drain ends only
    /// once no send is due. Why not the periodic service: a drain that finished its jobs before
    /// the service's next tick exited with due sends undelivered.
    public var drainFeed: DrainFeed {
        { [self] connection in try dispatch(on: connection, waitForLock: true) }
    }

    /// One tick: returns how many sends it leased. `waitForLock`: wait for a tick running in
    /// another process instead of skipping this one.
    public func dispatch(on connection: isolated PGConnection, waitForLock: Bool = false) throws -> Int {
        let (outbox, jobs, settings, schema) = (self.outbox, self.jobs, self.settings, self.schema)
        return try connection.withTransactionSync {
            let lock = try connection.query(
                waitForLock
                    ? "SELECT true AS got FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS waited"
                    : "SELECT pg_try_advisory_xact_lock(hashtext($1)) AS got",
                ["ebbflow.deliver.dispatch." + schema.name]
            ).first!
            guard try lock.decode("got") as Bool else { return 0 }
            let waiting: Int = try connection.query(
                "SELECT count(*)::int8 AS n FROM \(schema.qualified("jobs")) WHERE queue = $1",
                [DeliverJob.queue]
            ).first!.decode("n")
            let room = min(settings.backlog - waiting, settings.batch)
            guard room > 0 else { return 0 }
            let lease = try outbox.lease(limit: room, leaseSeconds: settings.leaseSeconds, on: connection)
            guard !lease.sends.isEmpty else { return 0 }
            _ = try jobs.enqueueMany(
                try lease.sends.map { send in
                    NewJob(
                        kind: DeliverJob.kind, args: try DeliverArgs(send).json(), queue: DeliverJob.queue,
                        maxAttempts: settings.jobAttempts)
                }, on: connection)
            return lease.sends.count
        }
    }
}

/// The dispatcher's and handler's numbers, with defaults that suit a relay taking thousands a
/// second and a provider limited to 14 a second alike.
public struct DeliverySettings: Sendable {
    /// The most `deliver` jobs waiting or running at once, across processes. At 14 messages a
    /// second, 1,000 drain in about 70 s, well inside `leaseSeconds`.
    public var backlog: Int
    /// The most sends leased in one tick.
    public var batch: Int
    /// A send's lease at dispatch, and again when its job starts.
    public var leaseSeconds: Int
    /// How often the dispatcher looks when the last tick found less than a batch.
    public var interval: Duration
    /// Jobs of a chunk run together.
    public var chunkSize: Int
    /// A `deliver` job's own attempts (for database trouble; the send's retries are the outbox's).
    public var jobAttempts: Int
    /// The deliverer's own connections (renew, render, finish), shared by the chunks running at once.
    public var connections: Int

    public init(
        backlog: Int = 1_000, batch: Int = 500, leaseSeconds: Int = 300, interval: Duration = .milliseconds(500),
        chunkSize: Int = 200, jobAttempts: Int = 5, connections: Int = 4
    ) {
        self.backlog = backlog
        self.batch = batch
        self.leaseSeconds = leaseSeconds
        self.interval = interval
        self.chunkSize = chunkSize
        self.jobAttempts = jobAttempts
        self.connections = connections
    }
}
