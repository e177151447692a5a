// The kinds of handler (transactional, write-only, acknowledged in batches, chunked) and their registry.
import Foundation
import PostgresClient

/// A job type named by its kind: what the set-based enqueue and cancel (`JobStore+Sets.swift`)
/// bind as `kind`, so no caller repeats a kind as an SQL literal.
public protocol JobKind: Sendable {
    static var kind: String { get }
}

/// What a handler knows besides its job.
public struct JobContext: Sendable {
    /// The database clock as read when the job was claimed: use it instead of reading again.
    public let now: Date
    public let workerID: String
    public let store: JobStore
}

/// A handler whose effects commit in the job's own transaction, together with its completion:
/// if the transaction fails, the job is not completed; if completion fails, the effects roll
/// back. The default for anything that touches the database.
public protocol TransactionalJobHandler: JobKind {
    associatedtype Args: Decodable & Sendable
    static var kind: String { get }
    func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome
}

/// A transactional handler whose transaction only writes: it returns its statements instead
/// of running them, and the worker runs them in the job's own transaction together with its
/// completion, exactly as for a `TransactionalJobHandler`.
///
/// Why a kind of its own: a transaction that needs no answer from the database can travel
/// with other jobs' transactions, many in one round trip, and share one disk flush
/// (`GroupCommitter`, `PGConnection.commitGroup`), so a queue of such jobs is not capped by
/// one round trip and one fdatasync per job. Each job still commits or rolls back alone.
/// A handler that must read first (a row count, a lookup) is a `TransactionalJobHandler`.
public protocol WriteOnlyJobHandler: JobKind {
    associatedtype Args: Decodable & Sendable
    static var kind: String { get }
    func run(_ job: Job<Args>, context: JobContext) async throws -> JobWrites
}

/// A write-only handler's answer: what to write, and the job's outcome, committed together.
public struct JobWrites: Sendable {
    public var statements: [PGStatement]
    public var outcome: JobOutcome

    public init(_ statements: [PGStatement] = [], outcome: JobOutcome = .completed) {
        self.statements = statements
        self.outcome = outcome
    }
}

/// A handler that does no database work (an HTTP call, a computation). Its completion is
/// acknowledged in batches by the worker's completer, many jobs per statement. A crash
/// before a batch is flushed runs those jobs again: at-least-once.
public protocol AcknowledgedJobHandler: JobKind {
    associatedtype Args: Decodable & Sendable
    static var kind: String { get }
    func run(_ job: Job<Args>, context: JobContext) async throws -> JobOutcome
}

/// A handler that takes up to `chunkSize` claimed jobs of its kind at once and applies them
/// set-based in one transaction with all their completions. When the chunk throws, it is
/// split in halves until the failing job is alone; only that job is retried or discarded.
public protocol ChunkJobHandler: JobKind {
    associatedtype Args: Decodable & Sendable
    static var kind: String { get }
    var chunkSize: Int { get }
    func run(_ jobs: [Job<Args>], context: JobContext, connection: isolated PGConnection) async throws
}

/// A registered kind, with its args decoding folded in.
enum RegisteredHandler: Sendable {
    case transactional(@Sendable (JobRow, JobContext, isolated PGConnection) async throws -> JobOutcome)
    case writeOnly(@Sendable (JobRow, JobContext) async throws -> JobWrites)
    case acknowledged(@Sendable (JobRow, JobContext) async throws -> JobOutcome)
    case chunk(size: Int, @Sendable ([JobRow], JobContext, isolated PGConnection) async throws -> Void)
}

/// Why a job's args could not be turned into the handler's type.
struct UndecodableArgs: Error, CustomStringConvertible {
    var description: String
}

/// Handlers by kind.
public struct JobRegistry: Sendable {
    var handlers: [String: RegisteredHandler] = [:]

    public init() {}

    public var kinds: [String] { handlers.keys.sorted() }

    public mutating func register<H: TransactionalJobHandler>(_ handler: H) {
        handlers[H.kind] = .transactional { row, context, connection in
            try await handler.run(
                Job(row: row, args: try Self.decode(H.Args.self, row)), context: context, connection: connection)
        }
    }

    public mutating func register<H: WriteOnlyJobHandler>(_ handler: H) {
        handlers[H.kind] = .writeOnly { row, context in
            try await handler.run(Job(row: row, args: try Self.decode(H.Args.self, row)), context: context)
        }
    }

    public mutating func register<H: AcknowledgedJobHandler>(_ handler: H) {
        handlers[H.kind] = .acknowledged { row, context in
            try await handler.run(Job(row: row, args: try Self.decode(H.Args.self, row)), context: context)
        }
    }

    public mutating func register<H: ChunkJobHandler>(_ handler: H) {
        handlers[H.kind] = .chunk(size: max(1, handler.chunkSize)) { rows, context, connection in
            let jobs = try rows.map { Job(row: $0, args: try Self.decode(H.Args.self, $0)) }
            try await handler.run(jobs, context: context, connection: connection)
        }
    }

    static func decode<Args: Decodable>(_ type: Args.Type, _ row: JobRow) throws -> Args {
        do {
            return try row.args.decode(type)
        } catch {
            throw UndecodableArgs(description: "args of kind \(row.kind) do not decode as \(Args.self): \(error)")
        }
    }
}
