// Shared pieces of the queue tests: handlers that fail on purpose, and running a worker in-process.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import Logging
import PostgresClient

@testable import EbbflowQueue

/// Always throws: for retry and discard tests.
struct FailingJob: TransactionalJobHandler {
    struct Args: Codable, Sendable {}
    static let kind = "always_fails"
    func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome {
        try connection.execute(context.store.sql.counterIncrement, ["should_roll_back"])
        throw PGError(.unexpected, "boom on attempt \(job.attempt)")
    }
}

/// Counts in chunks; any chunk holding a poison job throws, so the poison must be isolated.
struct PoisonableChunkJob: ChunkJobHandler {
    struct Args: Codable, Sendable { var poison: Bool }
    static let kind = "poisonable_chunk"
    let chunkSize = 100
    let log: RecordLog<Int>
    func run(_ jobs: [Job<Args>], context: JobContext, connection: isolated PGConnection) async throws {
        log.record(jobs.count)
        try connection.execute(context.store.sql.counterIncrementMany, [jobs.map { _ in "chunked" }])
        if jobs.contains(where: { $0.args.poison }) { throw PGError(.unexpected, "poison in chunk of \(jobs.count)") }
    }
}

/// Values recorded from handlers and callbacks on other threads, in order: the sizes of the
/// chunks a chunk handler was called with, the readiness a worker reported.
final class RecordLog<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Value] = []
    func record(_ value: Value) { lock.withLock { values.append(value) } }
    var all: [Value] { lock.withLock { values } }
}

enum InProcess {
    static var logger: Logger {
        var logger = Logger(label: "test.worker")
        logger.logLevel = .warning
        return logger
    }

    /// Runs a draining worker over `schema` until nothing is due.
    static func drain(
        _ schema: SchemaName, registry: JobRegistry, concurrency: Int = 4,
        retry: RetryPolicy = RetryPolicy()
    ) async throws {
        let worker = QueueWorker(
            database: try TestDatabase.configuration, schema: schema, registry: registry,
            configuration: WorkerConfiguration(
                queues: ["default"], concurrency: concurrency, listen: false,
                jobTimeout: .seconds(30), retryPolicy: retry, drain: true),
            logger: logger)
        try await worker.run()
    }

    static func advance(_ connection: PGConnection, _ schema: SchemaName, seconds: Double) async throws {
        let clock = DatabaseClock(schema: schema)
        try await connection.run { try clock.advance(by: seconds, on: $0) }
    }
}
