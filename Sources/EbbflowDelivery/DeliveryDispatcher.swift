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
            var pause: Duration? = settings.interval
            do {
                if connection == nil { connection = try await PGConnection.connect(database, logger: logger) }
                let tick = try await connection!.run { try self.tick(on: $0) }
                // More due than a tick takes: go on at once. The backlog full: it drains at the
                // relay's pace, so look again soon (a full interval let the workers run dry:
                // 1,700 against 2,400 messages/s, docs/benchmarks.md), unless `deliver` has a
                // rate limit: then it drains at that rate, a slot or two a tick, and each tick
                // counts the queue's jobs; the interval suits it. Else nothing is due.
                if tick.picked >= settings.batch {
                    pause = nil
                } else if tick.backlogFull && !tick.rateLimited {
                    pause = min(settings.interval, Self.backlogPause)
                } else {
                    pause = settings.interval
                }
            } catch {
                logger.warning("delivery dispatch failed; trying again", metadata: ["error": "\(error)"])
                if let open = connection { await open.run { $0.close() } }
                connection = nil
            }
            if let pause {
                try? await gracefulShutdownOrSleep(pause)
            }
        }
        if let open = connection { await open.run { $0.close() } }
    }

    /// How soon a dispatcher looks again after a tick that found the backlog full (or filled it):
    /// one count of the `deliver` queue's jobs, cheap beside the messages delivered meanwhile.
    static let backlogPause: Duration = .milliseconds(50)

    /// What one tick did: the sends it leased, the sends it took from the due ones (leased,
    /// and also cancelled, snoozed to the end of quiet hours or dead: a tick full of those says more
    /// may be due), and whether the backlog bounded it (full before, or filled by this tick), so
    /// the dispatcher knows to look again soon.
    struct Tick {
        var leased: Int
        var picked: Int
        var backlogFull: Bool
        /// `deliver` has a rate limit (`queues limit deliver`): the backlog drains at its rate.
        var rateLimited = false
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
        try tick(on: connection, waitForLock: waitForLock).leased
    }

    /// `dispatch`, saying also whether the backlog bounded the tick.
    func tick(on connection: isolated PGConnection, waitForLock: Bool = false) throws -> Tick {
        let (outbox, jobs, settings, schema) = (self.outbox, self.jobs, self.settings, self.schema)
        return try connection.withTransactionSync {
            let lock = try connection.query(
                waitForLock
                    ? "SELECT true AS got FROM (SELECT pg_advisory_xact_lock(hashtext($1))) AS waited"
                    : "SELECT pg_try_advisory_xact_lock(hashtext($1)) AS got",
                ["ebbflow.deliver.dispatch." + schema.name]
            ).first!
            guard try lock.decode("got") as Bool else { return Tick(leased: 0, picked: 0, backlogFull: false) }
            let waiting: Int = try connection.query(
                "SELECT count(*)::int8 AS n FROM \(schema.qualified("jobs")) WHERE queue = $1",
                [DeliverJob.queue]
            ).first!.decode("n")
            let room = min(settings.backlog - waiting, settings.batch)
            guard room > 0 else {
                let limited = try !jobs.limitedQueues(among: [DeliverJob.queue], on: connection).isEmpty
                return Tick(leased: 0, picked: 0, backlogFull: true, rateLimited: limited)
            }
            let lease = try outbox.lease(limit: room, leaseSeconds: settings.leaseSeconds, on: connection)
            let picked = lease.sends.count + lease.cancelled + lease.snoozed + lease.dead
            guard !lease.sends.isEmpty else { return Tick(leased: 0, picked: picked, backlogFull: false) }
            _ = try jobs.enqueueMany(
                try lease.sends.map { send in
                    NewJob(
                        kind: DeliverJob.kind, args: try DeliverArgs(send).json(), queue: DeliverJob.queue,
                        maxAttempts: settings.jobAttempts)
                }, on: connection)
            let full = lease.sends.count >= settings.backlog - waiting
            let limited = try full && !jobs.limitedQueues(among: [DeliverJob.queue], on: connection).isEmpty
            return Tick(leased: lease.sends.count, picked: picked, backlogFull: full, rateLimited: limited)
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
    /// SMTP connections per process (`SMTPTransport`), shared by the chunks running at once.
    public var smtpConnections: Int

    public init(
        backlog: Int = 1_000, batch: Int = 500, leaseSeconds: Int = 300, interval: Duration = .milliseconds(500),
        chunkSize: Int = 200, jobAttempts: Int = 5, connections: Int = 4, smtpConnections: Int = 4
    ) {
        self.backlog = backlog
        self.batch = batch
        self.leaseSeconds = leaseSeconds
        self.interval = interval
        self.chunkSize = chunkSize
        self.jobAttempts = jobAttempts
        self.connections = connections
        self.smtpConnections = smtpConnections
    }
}
