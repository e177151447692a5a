// Built-in kinds for load tests, benchmarks and health checks: noop, sleep, counter, counter_unbatched, counter_chunk.
import Foundation
import PostgresClient

/// Does nothing; acknowledged in batches. The queue's own overhead, measured.
public struct NoopJob: AcknowledgedJobHandler {
    public struct Args: Codable, Sendable {}
    public static let kind = "noop"
    public init() {}
    public func run(_ job: Job<Args>, context: JobContext) async throws -> JobOutcome { .completed }
}

/// Sleeps `ms` milliseconds (cancellable); for shutdown and timeout tests.
public struct SleepJob: AcknowledgedJobHandler {
    public struct Args: Codable, Sendable { public var ms: Int }
    public static let kind = "sleep"
    public init() {}
    public func run(_ job: Job<Args>, context: JobContext) async throws -> JobOutcome {
        guard job.args.ms >= 0 else { return .discard(reason: "ms must not be negative") }
        try await Task.sleep(for: .milliseconds(job.args.ms))
        return .completed
    }
}

/// Adds 1 to `counters.name` in the job's own transaction: exactly once per completed job.
///
/// The write needs no answer, so the handler is write-only: its transaction (BEGIN, the write,
/// the job's completion, COMMIT) travels with other jobs' transactions in one round trip and
/// shares their disk flush (`GroupCommitter`). Each job still commits or rolls back alone.
public struct CounterJob: WriteOnlyJobHandler {
    public struct Args: Codable, Sendable {
        public var name: String?
        public init(name: String? = nil) { self.name = name }
    }
    public static let kind = "counter"
    public init() {}
    public func run(_ job: Job<Args>, context: JobContext) async throws -> JobWrites {
        JobWrites([PGStatement(context.store.sql.counterIncrement, [job.args.name ?? "default"])])
    }
}

/// The same write as `counter` through a `TransactionalJobHandler`: one transaction, one round
/// trip and one disk flush per job. Kept to measure what the group commit saves
/// (`ebbflow-bench queue`), and as the shape of a handler that holds its connection.
public struct UnbatchedCounterJob: TransactionalJobHandler {
    public typealias Args = CounterJob.Args
    public static let kind = "counter_unbatched"
    public init() {}
    public func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome
    {
        connection.executeAtCommit(context.store.sql.counterIncrement, [job.args.name ?? "default"])
        return .completed
    }
}

/// The counter applied set-based to a chunk of jobs in one statement.
public struct CounterChunkJob: ChunkJobHandler {
    public typealias Args = CounterJob.Args
    public static let kind = "counter_chunk"
    public let chunkSize: Int
    public init(chunkSize: Int = 100) { self.chunkSize = chunkSize }
    public func run(_ jobs: [Job<Args>], context: JobContext, connection: isolated PGConnection) async throws {
        try connection.execute(context.store.sql.counterIncrementMany, [jobs.map { $0.args.name ?? "default" }])
    }
}

extension JobRegistry {
    /// A registry with the built-in kinds.
    public static func builtins() -> JobRegistry {
        var registry = JobRegistry()
        registry.register(NoopJob())
        registry.register(SleepJob())
        registry.register(CounterJob())
        registry.register(UnbatchedCounterJob())
        registry.register(CounterChunkJob())
        return registry
    }
}
