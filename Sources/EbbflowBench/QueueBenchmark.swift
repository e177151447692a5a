// Queue throughput and latency: drains (batched, transactional, chunked), bulk enqueue, enqueue-to-start.
import ArgumentParser
import EbbflowCore
import EbbflowQueue
import Foundation
import Logging
import PostgresClient

/// Each measurement gets a fresh schema with the same migrations as production, and runs the
/// production code paths: the in-process `QueueWorker` or real `ebbflow worker` processes.
struct QueueBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue", abstract: "Drain, enqueue and latency figures for the job queue.")

    @Option(help: "PostgreSQL URL (default: $DATABASE_URL).") var databaseURL: String?
    @Option(help: "Jobs per drain.") var jobs = 50_000
    @Option(help: "Jobs for the bulk enqueue measurement.") var enqueueJobs = 100_000
    @Option(help: "Latency samples.") var samples = 500
    @Option(help: "Repetitions (medians reported).") var reps = 3
    // Every chunk writes all 100 counter rows, so chunks queue on them whatever the slots; 200
    // slots also need more connections than the peer cluster's max_connections (200).
    @Option(help: "Slots of the chunked drain (a chunk takes one).") var chunkConcurrency = 10
    @Option(help: "Path of the release ebbflow binary for multi-process drains.") var ebbflowBin =
        ".build/release/ebbflow"
    @Option(help: "Comma-separated: noop,counter,unbatched,chunk,enqueue,latency,memory,claim") var only =
        "noop,counter,unbatched,chunk,enqueue,latency,memory"
    @Option(
        help: """
            Also run the noop and counter drains and the idle claim with this many jobs scheduled 30–90 days ahead \
            in the drained queue, side by side with the empty table (0: off).
            """)
    var scheduled = 0

    func run() async throws {
        let database = PGConfiguration.resolve(explicit: databaseURL)
        let wanted = Set(only.split(separator: ",").map(String.init))
        var figures = FigureTable()
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let context = BenchContext(database: database, logger: logger, ebbflowBin: ebbflowBin)
        for rep in 1...reps {
            if wanted.contains("noop") {
                figures.add(
                    "no-op drain, batched acks, 1 process × 100",
                    try await context.drainInProcess(kind: "noop", jobs: jobs, concurrency: 100), "jobs/s")
            }
            if wanted.contains("noop") && scheduled > 0 {
                figures.add(
                    "no-op drain, batched acks, 1 process × 100, \(scheduled) scheduled ahead",
                    try await context.drainInProcess(kind: "noop", jobs: jobs, concurrency: 100, scheduled: scheduled),
                    "jobs/s")
            }
            if wanted.contains("counter") {
                figures.add(
                    "counter drain, transactional, group commit, 2 processes × 10",
                    try await context.drainProcesses(kind: "counter", jobs: jobs / 2, processes: 2, concurrency: 10),
                    "jobs/s")
                figures.add(
                    "counter drain, transactional, group commit, 2 × 10, --completed-retention 0",
                    try await context.drainProcesses(
                        kind: "counter", jobs: jobs / 2, processes: 2, concurrency: 10,
                        extra: ["--completed-retention", "0"]), "jobs/s")
            }
            if wanted.contains("counter") && scheduled > 0 {
                figures.add(
                    "counter drain, transactional, group commit, 2 processes × 10, \(scheduled) scheduled ahead",
                    try await context.drainProcesses(
                        kind: "counter", jobs: jobs / 2, processes: 2, concurrency: 10, scheduled: scheduled),
                    "jobs/s")
            }
            if wanted.contains("claim") {
                for backlog in scheduled > 0 ? [0, scheduled] : [0] {
                    let (p50, p99) = try await context.idleClaim(scheduled: backlog, samples: samples)
                    figures.add("claim finding fewer due jobs than asked, \(backlog) scheduled ahead, p50", p50, "ms")
                    figures.add("claim finding fewer due jobs than asked, \(backlog) scheduled ahead, p99", p99, "ms")
                }
            }
            if wanted.contains("unbatched") {
                // The same write committed job by job (a TransactionalJobHandler): what the group commit saves.
                figures.add(
                    "counter_unbatched drain, transactional, one commit per round trip, 2 processes × 10",
                    try await context.drainProcesses(
                        kind: "counter_unbatched", jobs: jobs / 2, processes: 2, concurrency: 10), "jobs/s")
            }
            if wanted.contains("chunk") {
                figures.add(
                    "counter drain, chunks of 100, 1 process × \(chunkConcurrency)",
                    try await context.drainInProcess(kind: "counter_chunk", jobs: jobs, concurrency: chunkConcurrency),
                    "jobs/s")
            }
            if wanted.contains("enqueue") {
                let (copy, unnest) = try await context.bulkEnqueue(enqueueJobs)
                figures.add("bulk enqueue, COPY (\(enqueueJobs) jobs)", copy, "jobs/s")
                figures.add("bulk enqueue, one INSERT … unnest (\(enqueueJobs) jobs)", unnest, "jobs/s")
            }
            if wanted.contains("latency") {
                let (p50, p99) = try await context.latency(samples: samples)
                figures.add("enqueue-to-start p50, idle worker (NOTIFY)", p50, "ms")
                figures.add("enqueue-to-start p99, idle worker (NOTIFY)", p99, "ms")
            }
            if wanted.contains("memory") {
                figures.add(
                    "worker resident memory, concurrency 32, busy", try await context.workerMemory(concurrency: 32),
                    "MB")
            }
            FileHandle.standardError.write(Data("rep \(rep)/\(reps) done\n".utf8))
        }
        figures.print()
    }
}
