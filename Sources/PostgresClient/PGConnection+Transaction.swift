// withTransaction: commit on return, roll back on throw, and opt-in retry of serialization failures.

/// How a transaction runs.
public struct PGTransactionOptions: Sendable {
    public enum Isolation: String, Sendable {
        case readCommitted = "READ COMMITTED"
        case repeatableRead = "REPEATABLE READ"
        case serializable = "SERIALIZABLE"
    }

    public var isolation: Isolation?
    public var readOnly: Bool
    /// Attempts in all when the transaction fails with SQLSTATE 40001 or 40P01 (1 = no retry).
    public var maxAttempts: Int

    public init(isolation: Isolation? = nil, readOnly: Bool = false, maxAttempts: Int = 1) {
        self.isolation = isolation
        self.readOnly = readOnly
        self.maxAttempts = max(1, maxAttempts)
    }

    /// Retries serialization failures and deadlocks, up to `attempts` runs in all.
    public static func retrying(_ attempts: Int = 5, isolation: Isolation? = nil) -> PGTransactionOptions {
        PGTransactionOptions(isolation: isolation, maxAttempts: attempts)
    }

    var beginStatement: String {
        var text = "BEGIN"
        if let isolation { text += " ISOLATION LEVEL \(isolation.rawValue)" }
        if readOnly { text += " READ ONLY" }
        return text
    }
}

extension PGConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// With `options.maxAttempts > 1`, a serialization failure or deadlock (at any statement or
    /// at COMMIT) rolls back and runs `body` again after a short jittered pause, so `body` must
    /// be safe to repeat: it should only talk to the database.
    @discardableResult
    public func withTransaction<T: Sendable>(
        _ options: PGTransactionOptions = PGTransactionOptions(),
        _ body: @Sendable (isolated PGConnection) async throws -> T
    ) async throws -> T {
        precondition(!inTransactionBlock, "withTransaction does not nest; use savepoints")
        var attempt = 1
        while true {
            // BEGIN goes with the first statement, queued statements with COMMIT: PGConnection+Pipeline.swift.
            pendingBegin = options.beginStatement
            statementsAtCommit = []
            inTransactionBlock = true
            do {
                let value = try await body(self)
                do { try commitPipelined() } catch var lost as PGError where lost.kind == .connectionLost {
                    lost.commitOutcomeUnknown = true
                    throw lost
                }
                inTransactionBlock = false
                knownIdle.set(true)
                return value
            } catch {
                pendingBegin = nil
                statementsAtCommit = []
                rollbackQuietly()
                inTransactionBlock = false
                if let failure = error as? PGError, failure.isRetryableTransactionFailure, attempt < options.maxAttempts
                {
                    logger.debug(
                        "retrying transaction",
                        metadata: ["sqlstate": "\(failure.sqlState ?? "")", "attempt": "\(attempt)"])
                    attempt += 1
                    try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
                    continue
                }
                throw error
            }
        }
    }

    /// Rolls back if a transaction is open; a broken connection has nothing to roll back.
    func rollbackQuietly() {
        guard isUsable, transactionStatus != .idle else { return }
        do { try simpleQuery("ROLLBACK") } catch {
            logger.warning("rollback failed", metadata: ["error": "\(error)"])
        }
    }

    /// Makes the connection fit for its next user: no open transaction. Returns false when it
    /// is broken or cannot be cleaned, so a pool should throw it away.
    public func resetForReuse() -> Bool {
        guard isUsable else { return false }
        if transactionStatus != .idle { rollbackQuietly() }
        return isUsable && transactionStatus == .idle
    }
}

extension PGConnection {
    /// A transaction around synchronous work already isolated to this connection (no retry):
    /// for code that holds the connection `isolated` and cannot `await`.
    public func withTransactionSync<T>(_ body: () throws -> T) throws -> T {
        precondition(!inTransactionBlock, "withTransactionSync does not nest")
        try simpleQuery("BEGIN")
        inTransactionBlock = true
        defer { inTransactionBlock = false }
        do {
            let value = try body()
            try simpleQuery("COMMIT")
            return value
        } catch {
            rollbackQuietly()
            throw error
        }
    }
}
