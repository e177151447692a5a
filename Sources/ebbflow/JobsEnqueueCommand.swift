// `ebbflow jobs enqueue KIND`: one job, or N copies in one bulk statement.
import ArgumentParser
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

struct JobsEnqueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enqueue", abstract: "Enqueue a job (or --count copies).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The job kind, e.g. noop, sleep, counter.") var kind: String
    @Option(help: "Arguments as a JSON object.") var args = "{}"
    @Option(help: "How many copies, in one bulk statement.") var count = 1
    @Option(help: "Queue name.") var queue = "default"
    @Option(help: "Priority: lower runs first.") var priority = 0
    @Option(help: "Run at an ISO 8601 time.") var runAt: String?
    @Option(name: .customLong("in"), help: "Run after a delay: 90s, 15m, 3d…") var delay: String?
    @Option(help: "Dedupe key: while a job with it is unfinished, return that job.") var uniqueKey: String?
    @Option(help: "Attempts before the job is discarded.") var maxAttempts = 20
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard !kind.isEmpty else { throw InputError("KIND must not be empty") }
        guard (try? JSONSerialization.jsonObject(with: Data(args.utf8))) is [String: Any] else {
            throw InputError("--args must be a JSON object, e.g. '{\"ms\": 100}'; got: \(args)")
        }
        guard count >= 1 else { throw InputError("--count must be at least 1, got \(count)") }
        guard maxAttempts >= 1 && maxAttempts <= 32767 else { throw InputError("--max-attempts must be 1...32767") }
        if runAt != nil && delay != nil { throw InputError("use --run-at or --in, not both") }
        if let runAt, ISO8601Text.parse(runAt) == nil { throw InputError("--run-at \"\(runAt)\" is not an ISO 8601 time") }
        if let delay, DurationText.seconds(delay) == nil { throw InputError("--in \"\(delay)\" is not a duration such as 90s, 15m or 3d") }
        if uniqueKey != nil && count > 1 { throw InputError("--unique-key with --count > 1 would dedupe to one job; enqueue one") }
    }

    func run() async throws {
        let store = JobStore(schema: try connection.schemaName)
        let job = NewJob(kind: kind, args: PGJSON(args), queue: queue, priority: priority,
                         runAt: runAt.flatMap(ISO8601Text.parse), delay: delay.flatMap(DurationText.seconds) ?? 0,
                         maxAttempts: maxAttempts, uniqueKey: uniqueKey)
        let database = try await connection.connect()
        if count == 1 {
            let result = try await database.run { try store.enqueue(job, on: $0) }
            if json {
                print(try Output.json(["id": result.id, "inserted": result.inserted]))
            } else {
                print(result.inserted ? "enqueued job \(result.id) (\(kind))" : "job \(result.id) with unique key \(uniqueKey ?? "") is already queued")
            }
        } else {
            let jobs = Array(repeating: job, count: count)
            let result = try await database.withTransaction { connection in
                try job.runAt == nil ? store.enqueueMany(jobs, on: connection).inserted : store.copyIn(jobs, on: connection)
            }
            print(json ? try Output.json(["inserted": result]) : "enqueued \(result) \(kind) jobs")
        }
    }
}
