// `ebbflow worker`: runs jobs until SIGTERM/SIGINT (graceful), or with --drain until nothing is due.
import ArgumentParser
import EbbflowCore
import EbbflowDelivery
import EbbflowEngine
import EbbflowHTTP
import EbbflowMetrics
import EbbflowQueue
import Foundation
import Logging
import PostgresClient
import Prometheus
import ServiceLifecycle
import UnixSignals

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker", abstract: "Claim and run jobs. SIGTERM/SIGINT: finish running jobs, then exit 0.")

    @OptionGroup var connection: ConnectionOptions

    @Option(help: "Comma-separated queues to work.") var queues = "default,sweeps"
    @Option(help: "Jobs run at once.") var concurrency = 10
    @Option(help: "Worker id (default: host-pid-random).") var id: String?
    @Flag(help: "Run what is due now (and what that makes due), fire due schedules, then exit.") var drain = false
    @Flag(help: "Do not LISTEN for enqueues; poll only (pgbouncer transaction pooling).") var noListen = false
    @Option(help: "Seconds between claims when idle.") var pollInterval = 1.0
    @Option(help: "Seconds running jobs get to finish after SIGTERM before they are handed back.") var shutdownTimeout =
        30.0
    @Option(help: "Seconds a job may run before it is cancelled and retried.") var jobTimeout = 300.0
    @Option(help: "Seconds a claimed job stays leased without a heartbeat.") var leaseSeconds = 30.0
    @Option(help: "Keep completed jobs this long (90s, 12h, 1d…); 0 deletes them on completion, the fastest.")
    var completedRetention = "1d"
    @Option(help: "Keep discarded and cancelled jobs this long.") var discardedRetention = "14d"
    @Option(help: "Serve /metrics (Prometheus), /healthz and /readyz on this port (0: off).") var metricsPort = 0
    @Option(
        help: """
            Address the metrics port binds to: this machine only unless you name another interface's \
            address (or the any-address, for a scraper on another host).
            """)
    var metricsHost = "127.0.0.1"

    func validate() throws {
        for (flag, value) in [
            ("--completed-retention", completedRetention), ("--discarded-retention", discardedRetention),
        ] where value != "0" {
            guard DurationText.seconds(value) != nil else {
                throw InputError("\(flag) \"\(value)\" is not a duration such as 12h, 1d or 0")
            }
            // The shared bound (ten years): the pruner subtracts it from the clock in SQL.
            _ = try InputBounds.duration(value, field: flag, minimum: 0)
        }
        guard (0...65535).contains(metricsPort) else { throw InputError("--metrics-port must be 0...65535") }
        // An empty host is the resolver's wildcard: it would listen on every interface unasked.
        guard HTTPServer.isExplicitHost(metricsHost) else {
            throw InputError("--metrics-host must name an address, such as 127.0.0.1")
        }
        if id == "" { throw InputError("--id must not be empty") }
        // Shown in logs, `jobs show` and the workers table, one line each: no control characters,
        // nor U+2028/U+2029, which break a line as surely as a newline in many log viewers.
        if let id, id.count > 128 || id.unicodeScalars.contains(where: QueueName.isLineBreakOrControl) {
            throw InputError(
                "--id must be at most 128 characters without control or line-break characters such as a newline")
        }
        guard concurrency > 0 && concurrency <= 1000 else {
            throw InputError("--concurrency must be 1...1000, got \(concurrency)")
        }
        // Bounded above too: an infinite or huge value would overflow the milliseconds it becomes.
        for (flag, value, range) in [
            ("--poll-interval", pollInterval, 0.001...3_600), ("--shutdown-timeout", shutdownTimeout, 0...86_400),
            ("--job-timeout", jobTimeout, 0.001...604_800), ("--lease-seconds", leaseSeconds, 3...86_400),
        ]
        where !range.contains(value) {
            throw InputError(
                "\(flag) must be \(String(format: "%g", range.lowerBound))...\(String(format: "%g", range.upperBound)) seconds, got \(value)"
            )
        }
        let names = queueNames
        guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty }) else {
            throw InputError("--queues needs at least one name, e.g. default,sweeps")
        }
        for name in names { try QueueName.check(name, field: "--queues") }
        _ = try StallBound.fromEnvironment()
    }

    /// `--queues` as names, split and trimmed in one place for `validate` and `run`.
    private var queueNames: [String] {
        queues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func run() async throws {
        let logger = connection.logger("ebbflow.worker")
        let readiness = Readiness()
        // Armed by the first signal: the exit is bounded whatever the database does.
        let watchdog = ShutdownWatchdog(shutdownTimeout: .milliseconds(Int(shutdownTimeout * 1000)), logger: logger)
        defer { watchdog.finish() }
        let stalls = StallWatch(
            bound: try StallBound.fromEnvironment(), database: try connection.postgres, readiness: readiness,
            logger: connection.logger("ebbflow.postgres"))
        // Opened once the HTTP server listens: a port in use ends the worker before it claims.
        let claimGate = ClaimGate()
        var registry = JobRegistry.builtins()
        registry.registerEngine(schema: try connection.schemaName)
        // Checked before anything is claimed: a bad setting stops the worker with the variable's name.
        let delivery: DeliveryRuntime?
        do {
            let settings = try DeliveryConfiguration.fromEnvironment()
            for warning in settings.warnings { logger.warning("\(warning)") }
            delivery = try DeliveryRuntime.make(
                configuration: settings, database: try connection.postgres, schema: try connection.schemaName,
                settings: settings.settings, logger: connection.logger("ebbflow.delivery"))
        } catch let error as DeliveryConfigurationError {
            throw InputError(error.description)
        }
        var queues = queueNames
        if let delivery {
            registry.register(delivery.handler)
            // A worker that delivers works the `deliver` queue, whatever else it was given.
            if !queues.contains(DeliverJob.queue) { queues.append(DeliverJob.queue) }
            logger.info("delivering pending sends", metadata: ["transport": "\(delivery.transport.name)"])
        }
        let worker = QueueWorker(
            database: try connection.postgres, schema: try connection.schemaName, registry: registry,
            configuration: WorkerConfiguration(
                id: id ?? WorkerConfiguration.defaultID(),
                queues: queues,
                concurrency: concurrency, pollInterval: .milliseconds(Int(pollInterval * 1000)), listen: !noListen,
                leaseSeconds: leaseSeconds, jobTimeout: .milliseconds(Int(jobTimeout * 1000)),
                shutdownTimeout: .milliseconds(Int(shutdownTimeout * 1000)), drain: drain,
                completedRetention: completedRetention == "0" ? 0 : DurationText.seconds(completedRetention)!,
                discardedRetention: discardedRetention == "0" ? 0 : DurationText.seconds(discardedRetention)!),
            logger: logger, claimGate: metricsPort > 0 ? claimGate : nil, drainFeed: delivery?.dispatcher.drainFeed,
            onReadiness: { readiness.set($0) })
        // SIGTERM/SIGINT shut the group down gracefully: the claim loop lets running jobs finish
        // (or hands them back after --shutdown-timeout), then the other services stop, the HTTP
        // server last. ServiceGroup's signal source also works when a parent started us with
        // the signals blocked (children of Swift processes inherit such a mask).
        do {
            try await worker.run(
                alongside: [SecondSignalExit(logger: logger, watchdog: watchdog), stalls]
                    + (delivery?.services(draining: drain) ?? [])
                    + metricsServer(
                        readiness: readiness, claimGate: claimGate, schema: try connection.schemaName, logger: logger),
                gracefulShutdownSignals: [.sigterm, .sigint])
        } catch let error as HTTPServerError {
            throw InputError("cannot serve metrics: \(error)")
        }
    }

    /// /metrics, /healthz and /readyz, when a port is given; the Prometheus backend is installed
    /// first. The suppressed contacts by reason and the outbox are sampled on a connection of their own, opened
    /// for each sample (one every 30 s), so a worker holds no idle connection for them.
    private func metricsServer(readiness: Readiness, claimGate: ClaimGate, schema: SchemaName, logger: Logger)
        throws -> [any Service]
    {
        guard metricsPort > 0 else { return [] }
        let help = QueueMetrics.help.merging(SuppressionCounts.metricsHelp) { first, _ in first }
            .merging(OutboxCounts.metricsHelp) { first, _ in first }
            .merging(TemplateRenderer.metricsHelp) { first, _ in first }
            .merging(DeliveryMetrics.help) { first, _ in first }
        let registry = EbbflowMetrics.bootstrapOnce(registry: PrometheusCollectorRegistry(), help: help) {
            factory in
            factory.durationHistogramBuckets["ebbflow_job_duration_seconds"] = [
                .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500),
                .seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600),
            ]
            factory.durationHistogramBuckets["ebbflow_delivery_submission_seconds"] = DeliveryMetrics.submissionBuckets
        }
        let (postgres, postgresLogger) = (try connection.postgres, connection.logger("ebbflow.postgres"))
        let counts = SuppressionCounts(schema: schema)
        let outbox = OutboxCounts(schema: schema)
        /// Reads on a connection of its own, closed again.
        @Sendable func sampled<T: Sendable>(_ read: @escaping @Sendable (isolated PGConnection) throws -> T)
            async throws
            -> T
        {
            let database = try await PGConnection.connect(postgres, logger: postgresLogger)
            do {
                let result = try await database.run { try read($0) }
                await database.run { connection in connection.close() }
                return result
            } catch {
                await database.run { connection in connection.close() }
                throw error
            }
        }
        return [
            HTTPServer(
                host: metricsHost, port: metricsPort,
                routes: [MetricsRoutes(registry: registry), ProbeRoutes(readiness: readiness)], logger: logger,
                onListening: { _ in claimGate.open() }),
            SuppressionGauge(sample: { try await sampled { try counts.read(on: $0) } }, logger: logger),
            OutboxGauge(sample: { try await sampled { try outbox.read(on: $0) } }, logger: logger),
        ]
    }
}

/// A second SIGTERM or SIGINT exits at once (running jobs return to the queue when their
/// leases expire); the first is the service group's, which shuts down gracefully. Stopped
/// last, so it listens for the whole graceful shutdown.
///
/// The first also arms the process's `ShutdownWatchdog`, when it has one: the graceful shutdown
/// then ends within its timeout plus a grace whatever the database does.
struct SecondSignalExit: Service {
    let logger: Logger
    var watchdog: ShutdownWatchdog? = nil

    func run() async {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        await cancelWhenGracefulShutdown {
            var received = 0
            for await _ in signals {
                received += 1
                if received == 1 {
                    watchdog?.arm()
                    logger.info("signal received: finishing running jobs (send again to stop at once)")
                } else {
                    logger.warning("second signal: stopping now")
                    exit(1)
                }
            }
        }
    }
}
