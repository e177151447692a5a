// The measurements behind `ebbflow-bench queue`, each on a fresh schema.
import EbbflowCore
import EbbflowQueue
import Foundation
import Logging
import PostgresClient

struct BenchContext: Sendable {
    let database: PGConfiguration
    let logger: Logger
    let ebbflowBin: String

    /// A migrated schema for one measurement; dropped afterwards.
    func withSchema<T: Sendable>(_ body: (SchemaName, PGConnection) async throws -> T) async throws -> T {
        let schema = try SchemaName("bench_\(UUID().uuidString.prefix(8).lowercased())")
        let connection = try await PGConnection.connect(database, logger: logger)
        _ = try await Migrator(schema: schema).migrate(on: connection)
        defer { Task { try? await connection.simpleQuery("DROP SCHEMA \(schema.quoted) CASCADE") } }
        let value = try await body(schema, connection)
        try await connection.simpleQuery("DROP SCHEMA \(schema.quoted) CASCADE")
        return value
    }

    /// Loads jobs with COPY, then VACUUM ANALYZE + CHECKPOINT, as the peer benchmark does.
    /// Counter jobs spread over 100 named rows: one shared row would measure PostgreSQL's row
    /// lock (every transaction waits for the previous commit), not the queue.
    func load(_ kind: String, _ count: Int, schema: SchemaName, connection: PGConnection) async throws {
        let store = JobStore(schema: schema)
        let jobs =
            kind.hasPrefix("counter")
            ? (0..<count).map { NewJob(kind: kind, args: PGJSON("{\"name\": \"c\($0 % 100)\"}")) }
            : Array(repeating: NewJob(kind: kind), count: count)
        _ = try await connection.withTransaction { try store.copyIn(jobs, on: $0) }
        try await connection.simpleQuery("VACUUM ANALYZE \(schema.qualified("jobs"))")
        try await connection.simpleQuery("CHECKPOINT")
    }

    /// Jobs per second of an in-process drain; `scheduled` future-dated jobs sit in the same
    /// queue meanwhile (`seedScheduled`) and must all be there afterwards.
    func drainInProcess(kind: String, jobs: Int, concurrency: Int, scheduled: Int = 0) async throws -> Double {
        try await withSchema { schema, connection in
            try await load(kind, jobs, schema: schema, connection: connection)
            try await seedScheduled(scheduled, schema: schema, connection: connection)
            let worker = QueueWorker(
                database: database, schema: schema, registry: .builtins(),
                configuration: WorkerConfiguration(concurrency: concurrency, listen: false, drain: true),
                logger: logger)
            let started = ContinuousClock.now
            try await worker.run()
            let elapsed = (ContinuousClock.now - started).seconds
            let left = try await connection.query("SELECT count(*) AS n FROM \(schema.qualified("jobs"))").first!
                .decode("n", as: Int.self)
            guard left == scheduled else { throw BenchError("\(left - scheduled) due jobs left after drain") }
            return Double(jobs) / elapsed
        }
    }

    func drainProcesses(
        kind: String, jobs: Int, processes: Int, concurrency: Int, extra: [String] = [], scheduled: Int = 0
    ) async throws -> Double {
        try await withSchema { schema, connection in
            try await load(kind, jobs, schema: schema, connection: connection)
            try await seedScheduled(scheduled, schema: schema, connection: connection)
            let started = ContinuousClock.now
            let children = try (0..<processes).map { _ in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: ebbflowBin)
                process.arguments =
                    [
                        "worker", "--drain", "--no-listen", "--concurrency", "\(concurrency)", "--schema", schema.name,
                        "--database-url", database.conninfo, "--log-level", "error",
                    ] + extra
                try process.run()
                return process
            }
            for child in children { child.waitUntilExit() }
            let elapsed = (ContinuousClock.now - started).seconds
            guard children.allSatisfy({ $0.terminationStatus == 0 }) else {
                throw BenchError("a worker process failed")
            }
            if kind.hasPrefix("counter") {
                let value = try await connection.query(
                    "SELECT sum(value)::int8 AS value FROM \(schema.qualified("counters"))"
                ).first!.decode("value", as: Int.self)
                guard value == jobs else { throw BenchError("counter is \(value), expected \(jobs)") }
            }
            return Double(jobs) / elapsed
        }
    }

    /// Jobs per second for COPY and for one INSERT … SELECT FROM unnest statement.
    func bulkEnqueue(_ count: Int) async throws -> (copy: Double, unnest: Double) {
        try await withSchema { schema, connection in
            let store = JobStore(schema: schema)
            let jobs = (0..<count).map { NewJob(kind: "noop", args: PGJSON("{\"n\": \($0)}")) }
            var started = ContinuousClock.now
            _ = try await connection.withTransaction { try store.copyIn(jobs, on: $0) }
            let copy = Double(count) / (ContinuousClock.now - started).seconds
            started = ContinuousClock.now
            _ = try await connection.withTransaction { try store.enqueueMany(jobs, on: $0) }
            let unnest = Double(count) / (ContinuousClock.now - started).seconds
            return (copy, unnest)
        }
    }

    /// Enqueue-to-start with an idle, listening worker: one job at a time.
    func latency(samples: Int) async throws -> (p50: Double, p99: Double) {
        try await withSchema { schema, connection in
            let probe = LatencyProbe()
            var registry = JobRegistry.builtins()
            registry.register(LatencyProbeJob(probe: probe))
            let worker = QueueWorker(
                database: database, schema: schema, registry: registry,
                configuration: WorkerConfiguration(concurrency: 10, pollInterval: .seconds(5)), logger: logger)
            let running = Task { try await worker.run() }
            try await Task.sleep(for: .seconds(1))
            let store = JobStore(schema: schema)
            var latencies: [Double] = []
            for sample in 0..<(samples + 20) {
                let started = ContinuousClock.now
                _ = try await connection.run {
                    try store.enqueue(NewJob(kind: LatencyProbeJob.kind, args: PGJSON("{\"n\": \(sample)}")), on: $0)
                }
                let begun = await probe.waitForStart(sample)
                if sample >= 20 { latencies.append((begun - started).seconds * 1000) } // after warm-up
                try await Task.sleep(for: .milliseconds(5))
            }
            await worker.stop()
            try await running.value
            let sorted = latencies.sorted()
            return (sorted[sorted.count / 2], sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))])
        }
    }

    /// Resident memory of a real worker process at concurrency N while it runs sleep jobs.
    func workerMemory(concurrency: Int) async throws -> Double {
        try await withSchema { schema, connection in
            let store = JobStore(schema: schema)
            let jobs = Array(repeating: NewJob(kind: "sleep", args: PGJSON("{\"ms\": 200}")), count: concurrency * 20)
            _ = try await connection.withTransaction { try store.enqueueMany(jobs, on: $0) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ebbflowBin)
            process.arguments = [
                "worker", "--concurrency", "\(concurrency)", "--schema", schema.name, "--database-url",
                database.conninfo,
                "--log-level", "error",
            ]
            try process.run()
            var peak = 0.0
            for _ in 0..<20 {
                try await Task.sleep(for: .milliseconds(150))
                let status =
                    (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
                if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
                    let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
                {
                    peak = max(peak, kb / 1024)
                }
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return peak
        }
    }
}

/// Records when each probe job started.
actor LatencyProbe {
    private var started: [Int: ContinuousClock.Instant] = [:]
    private var waiters: [Int: CheckedContinuation<ContinuousClock.Instant, Never>] = [:]

    func record(_ sample: Int, at instant: ContinuousClock.Instant) {
        if let waiter = waiters.removeValue(forKey: sample) {
            waiter.resume(returning: instant)
        } else {
            started[sample] = instant
        }
    }

    func waitForStart(_ sample: Int) async -> ContinuousClock.Instant {
        if let instant = started.removeValue(forKey: sample) { return instant }
        return await withCheckedContinuation { waiters[sample] = $0 }
    }
}

struct LatencyProbeJob: AcknowledgedJobHandler {
    struct Args: Codable, Sendable { var n: Int }
    static let kind = "latency_probe"
    let probe: LatencyProbe
    func run(_ job: Job<Args>, context: JobContext) async throws -> JobOutcome {
        await probe.record(job.args.n, at: .now)
        return .completed
    }
}
