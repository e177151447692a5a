// `ebbflow worker`: runs jobs until SIGTERM/SIGINT (graceful), or with --drain until nothing is due.
import ArgumentParser
import EbbflowMetrics
import EbbflowCore
import EbbflowEngine
import EbbflowQueue
import Foundation
import Logging
import Prometheus

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
    @Option(help: "Seconds running jobs get to finish after SIGTERM before they are handed back.") var shutdownTimeout = 30.0
    @Option(help: "Seconds a job may run before it is cancelled and retried.") var jobTimeout = 300.0
    @Option(help: "Seconds a claimed job stays leased without a heartbeat.") var leaseSeconds = 30.0
    @Option(help: "Keep completed jobs this long (90s, 12h, 1d…); 0 deletes them on completion, the fastest.")
    var completedRetention = "1d"
    @Option(help: "Keep discarded and cancelled jobs this long.") var discardedRetention = "14d"
    @Option(help: "Serve /metrics (Prometheus), /healthz and /readyz on this port (0: off).") var metricsPort = 0
    @Option(help: "Address the metrics port binds to (0.0.0.0: every interface, for a scraper on another host).") var metricsHost = "127.0.0.1"

    func validate() throws {
        for (flag, value) in [("--completed-retention", completedRetention), ("--discarded-retention", discardedRetention)] where value != "0" {
            guard DurationText.seconds(value) != nil else { throw InputError("\(flag) \"\(value)\" is not a duration such as 12h, 1d or 0") }
            // The shared bound (ten years): the pruner subtracts it from the clock in SQL.
            _ = try InputBounds.duration(value, field: flag, minimum: 0)
        }
        guard (0...65535).contains(metricsPort) else { throw InputError("--metrics-port must be 0...65535") }
        if id == "" { throw InputError("--id must not be empty") }
        // Shown in logs, `jobs show` and the workers table, one line each: no control characters,
        // nor U+2028/U+2029, which break a line as surely as a newline in many log viewers.
        if let id, id.count > 128 || id.unicodeScalars.contains(where: QueueName.isLineBreakOrControl) {
            throw InputError("--id must be at most 128 characters without control or line-break characters such as a newline")
        }
        guard concurrency > 0 && concurrency <= 1000 else { throw InputError("--concurrency must be 1...1000, got \(concurrency)") }
        // Bounded above too: an infinite or huge value would overflow the milliseconds it becomes.
        for (flag, value, range) in [("--poll-interval", pollInterval, 0.001...3_600), ("--shutdown-timeout", shutdownTimeout, 0...86_400),
                                     ("--job-timeout", jobTimeout, 0.001...604_800), ("--lease-seconds", leaseSeconds, 3...86_400)]
        where !range.contains(value) {
            throw InputError("\(flag) must be \(String(format: "%g", range.lowerBound))...\(String(format: "%g", range.upperBound)) seconds, got \(value)")
        }
        let names = queues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty }) else { throw InputError("--queues needs at least one name, e.g. default,sweeps") }
        for name in names { try QueueName.check(name, field: "--queues") }
    }

    func run() async throws {
        let logger = connection.logger("ebbflow.worker")
        let endpoint = try startMetrics(logger: logger)
        defer { endpoint?.stop() }
        var registry = JobRegistry.builtins()
        registry.registerEngine(schema: try connection.schemaName)
        let worker = QueueWorker(
            database: connection.postgres, schema: try connection.schemaName, registry: registry,
            configuration: WorkerConfiguration(
                id: id ?? WorkerConfiguration.defaultID(),
                queues: queues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) },
                concurrency: concurrency, pollInterval: .milliseconds(Int(pollInterval * 1000)), listen: !noListen,
                leaseSeconds: leaseSeconds, jobTimeout: .milliseconds(Int(jobTimeout * 1000)),
                shutdownTimeout: .milliseconds(Int(shutdownTimeout * 1000)), drain: drain,
                completedRetention: completedRetention == "0" ? 0 : DurationText.seconds(completedRetention)!,
                discardedRetention: discardedRetention == "0" ? 0 : DurationText.seconds(discardedRetention)!),
            logger: logger, onReadiness: { endpoint?.setReady($0) })
        let signals = SignalHandler(logger: logger) { await worker.stop() }
        defer { signals.cancel() }
        try await worker.run()
        endpoint?.setReady(false)
    }

    /// Installs the Prometheus backend and serves it, when a port is given.
    private func startMetrics(logger: Logger) throws -> MetricsEndpoint? {
        guard metricsPort > 0 else { return nil }
        let registry = EbbflowMetrics.bootstrapOnce(registry: PrometheusCollectorRegistry(), help: QueueMetrics.help) { factory in
            factory.durationHistogramBuckets["ebbflow_job_duration_seconds"] = [
                .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500),
                .seconds(1), .seconds(5), .seconds(30), .seconds(120), .seconds(600),
            ]
        }
        let endpoint = MetricsEndpoint(registry: registry, host: metricsHost, port: metricsPort, logger: logger)
        do {
            let port = try endpoint.start()
            logger.info("serving /metrics, /healthz and /readyz", metadata: ["port": "\(port)"])
        } catch {
            throw InputError("cannot serve metrics: \(error)")
        }
        return endpoint
    }
}

/// First SIGTERM or SIGINT: stop claiming and shut down gracefully. Second: exit at once
/// (running jobs return to the queue when their leases expire).
///
/// A handler that writes to a pipe, read by a thread of our own that unblocks the two signals
/// for itself: a parent may have started us with them blocked (children of Swift processes
/// inherit such a mask), and then only a thread that unblocks them can receive them.
final class SignalHandler: @unchecked Sendable {
    init(logger: Logger, onFirst: @escaping @Sendable () async -> Void) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            logger.error("could not create the signal pipe; SIGTERM will stop the worker abruptly")
            return
        }
        signalPipeWriteFD = fds[1]
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(signalPipeWriteFD, &byte, 1)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGTERM, &action, nil)
        sigaction(SIGINT, &action, nil)
        let readFD = fds[0]
        let thread = Thread {
            var mask = sigset_t()
            sigemptyset(&mask)
            sigaddset(&mask, SIGTERM)
            sigaddset(&mask, SIGINT)
            pthread_sigmask(SIG_UNBLOCK, &mask, nil)
            var received = 0
            var byte: UInt8 = 0
            while read(readFD, &byte, 1) >= 0 || errno == EINTR {
                received += 1
                if received == 1 {
                    logger.info("signal received: finishing running jobs (send again to stop at once)")
                    Task { await onFirst() }
                } else {
                    logger.warning("second signal: stopping now")
                    exit(1)
                }
            }
        }
        thread.start()
    }

    func cancel() {}
}

/// Written by the async-signal-safe handler, which cannot capture context.
nonisolated(unsafe) var signalPipeWriteFD: Int32 = -1
