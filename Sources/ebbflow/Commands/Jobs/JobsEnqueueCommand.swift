// `ebbflow jobs enqueue KIND`: one job, or N copies in one bulk statement.
import ArgumentParser
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

struct JobsEnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enqueue", abstract: "Enqueue a job (or --count copies).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The job kind, e.g. noop, sleep, counter.") var kind: String
    @Option(help: "Arguments as a JSON object.") var args = "{}"
    // Unconditional: `--count -1` is a value to refuse with its bound, not a missing value.
    @Option(parsing: .unconditional, help: "How many copies, in one bulk statement (at most 1,000,000 a call).")
    var count = 1
    @Option(help: "Queue name.") var queue = "default"
    // Unconditional: a negative priority is a value, not an option (`--priority -5`).
    @Option(parsing: .unconditional, help: "Priority: lower runs first; negative allowed.") var priority = 0
    @Option(help: "Run at an ISO 8601 time with its zone (2026-01-01T09:00:00Z), or a date (midnight UTC).") var runAt:
        String?
    @Option(name: .customLong("in"), parsing: .unconditional, help: "Run after a delay: 90s, 15m, 3d… (at most 3650d).")
    var delay: String?
    @Option(help: "Dedupe key: while a job with it is unfinished, return that job.") var uniqueKey: String?
    @Option(parsing: .unconditional, help: "Attempts before the job is discarded.") var maxAttempts = 20
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard !kind.isEmpty else { throw InputError("KIND must not be empty") }
        guard (try? JSONSerialization.jsonObject(with: Data(args.utf8))) is [String: Any] else {
            throw InputError("--args must be a JSON object, e.g. '{\"ms\": 100}'; got: \(args)")
        }
        guard count >= 1 else { throw InputError("--count must be at least 1, got \(count)") }
        guard count <= Self.maxCount else {
            throw InputError(
                "--count must be at most \(Self.maxCount) a call, got \(count); enqueue more in several calls")
        }
        guard (Int(Int16.min)...Int(Int16.max)).contains(priority) else {
            throw InputError("--priority must be \(Int16.min)...\(Int16.max), got \(priority)")
        }
        guard maxAttempts >= 1 && maxAttempts <= 32767 else {
            throw InputError("--max-attempts must be 1...32767, got \(maxAttempts)")
        }
        try QueueName.check(queue, field: "--queue")
        if runAt != nil && delay != nil { throw InputError("use --run-at or --in, not both") }
        if let runAt, ISO8601Text.parse(runAt) == nil {
            throw InputError(
                "--run-at \"\(runAt)\" is not an ISO 8601 time with its zone, such as 2026-01-01T09:00:00Z or 2026-01-01T10:00:00+01:00"
            )
        }
        if let runAt, let time = ISO8601Text.parse(runAt), time < ISO8601Text.earliestRunAt {
            throw InputError("--run-at \"\(runAt)\" is before 0001-01-01T00:00:00Z, the earliest run time")
        }
        // The shared duration bound (ten years), so the run time is always one the database holds.
        if let delay { _ = try InputBounds.duration(delay, field: "--in", minimum: 0) }
        if uniqueKey == "" { throw InputError("--unique-key must not be empty") }
        if uniqueKey != nil && count > 1 {
            throw InputError("--unique-key with --count > 1 would dedupe to one job; enqueue one")
        }
    }

    /// Bounds the memory one call holds (each copy is encoded before the statement is sent).
    static let maxCount = 1_000_000

    func run() async throws {
        let store = JobStore(schema: try connection.schemaName)
        let job = NewJob(
            kind: kind, args: PGJSON(args), queue: queue, priority: priority,
            runAt: runAt.flatMap(ISO8601Text.parse), delay: delay.flatMap(DurationText.seconds) ?? 0,
            maxAttempts: maxAttempts, uniqueKey: uniqueKey)
        let database = try await connection.connect()
        if count == 1 {
            let result = try await database.run { try store.enqueue(job, on: $0) }
            if json {
                print(try Output.json(["id": result.id, "inserted": result.inserted]))
            } else {
                print(
                    result.inserted
                        ? "enqueued job \(result.id) (\(kind))"
                        : "job \(result.id) with unique key \(uniqueKey ?? "") is already queued")
            }
        } else {
            let jobs = Array(repeating: job, count: count)
            // COPY, whatever the run time: about 3.5× the rows per second of INSERT … unnest
            // (docs/benchmarks.md), and copies carry no unique key for it to honour.
            let result = try await database.withTransaction { try store.copyIn(jobs, on: $0) }
            print(json ? try Output.json(["inserted": result]) : "enqueued \(result) \(kind) jobs")
        }
    }
}
