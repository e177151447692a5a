// Retries an import's transaction through transient database errors, with bounded backoff.
import Foundation
import PostgresClient

extension PGError {
    /// An error that says nothing about the data: the same transaction may well succeed if run
    /// again. Deadlocks (40P01), serialization failures (40001), lock timeouts (55P03),
    /// statement timeouts and cancels (57014), a server shutting down or starting (57P01–57P03),
    /// too many connections (53300), any connection exception (class 08), and a lost or
    /// refused connection.
    public var isTransientDatabaseError: Bool {
        if kind == .connectionLost || kind == .connectionFailed || kind == .poolTimeout { return true }
        guard let sqlState else { return false }
        return ["40P01", "40001", "55P03", "57014", "57P01", "57P02", "57P03", "53300"].contains(sqlState)
            || sqlState.hasPrefix("08")
    }

    /// An error caused by the values of the rows written: data exceptions (class 22), integrity
    /// constraints (class 23), a value too large for an index (54000), or a value the client
    /// could not bind. Only these may reject a line.
    var isCausedByRowData: Bool {
        if kind == .encoding { return true }
        guard kind == .server, let sqlState else { return false }
        return sqlState.hasPrefix("22") || sqlState.hasPrefix("23") || sqlState == "54000"
    }
}

/// Why a bound: a server that stays away or a lock held for good must end the import with an
/// error (and the count of committed lines), not retry for ever; why backoff with jitter: two
/// imports that deadlocked must not collide again in step. Eight attempts wait about 15 s in all.
enum TransientRetry {
    static let attempts = 8

    /// The pause before attempt `attempt + 1`: 100 ms doubling to at most 5 s, less up to half.
    static func pause(after attempt: Int) -> Duration {
        let full = min(5.0, 0.1 * pow(2.0, Double(attempt - 1)))
        return .milliseconds(Int(full * 1_000 * Double.random(in: 0.5...1.0)))
    }

    /// Runs `body` (one whole transaction) until it succeeds, throws a non-transient error, or
    /// has failed `attempts` times.
    /// Runs in the caller's isolation (the connection's thread).
    static func run<T>(isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do { return try await body() } catch let error as PGError
                where error.isTransientDatabaseError && attempt < attempts
            {
                try await Task.sleep(for: pause(after: attempt))
                attempt += 1
            }
        }
    }
}
