// The API's way to the database: a pooled connection per request, and database trouble as a 503, never as the client's fault.
import EbbflowEngine
import EbbflowHTTP
import Hummingbird
import Logging
import PostgresClient

/// Why one gateway: every route reaches PostgreSQL the same way (the pool, libpq on the
/// connection's own thread, never the cooperative pool), and every route must answer a down
/// or overloaded database the same way: 503 with `Retry-After`, so a client or a pipeline
/// like Segment's retries later instead of dropping the data as refused. A commit whose outcome
/// is unknown (the connection broke during COMMIT) is a 503 too: the client sends again, and
/// `messageId` makes the repeat store nothing twice.
public struct APIDatabase: Sendable {
    public let pool: PGPool
    let logger: Logger

    public init(pool: PGPool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    /// Runs `body` on a pooled connection, on that connection's thread.
    public func run<T: Sendable>(_ body: @escaping @Sendable (isolated PGConnection) async throws -> T) async throws
        -> T
    {
        try await withConnection { connection in try await connection.run(body) }
    }

    /// Lends a pooled connection to `body`, for library code that hops to its thread itself.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PGConnection) async throws -> T) async throws
        -> T
    {
        do {
            return try await pool.withConnection(body)
        } catch let error as PGError where error.isTransientDatabaseError || error.kind == .poolClosed {
            logger.warning("database unavailable for a request", metadata: ["error": "\(error)"])
            throw APIError(
                .serviceUnavailable, "the database is unavailable; retry later",
                headers: [.retryAfter: "1"])
        }
    }
}
