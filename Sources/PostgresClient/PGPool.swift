// A bounded pool of connections: acquire with a timeout, broken connections discarded, not reused.
public import Logging

/// Hands out at most `maxConnections` connections; callers beyond that wait, in order, up to
/// `acquireTimeout`, then get `PGError.Kind.poolTimeout`.
///
/// A connection comes back through `resetForReuse()`: an open transaction is rolled back, and
/// a broken connection is closed and forgotten, so the next caller gets a fresh one.
public actor PGPool {
    public nonisolated let configuration: PGConfiguration
    public nonisolated let maxConnections: Int
    public nonisolated let acquireTimeout: Duration
    private let logger: Logger

    private var idle: [PGConnection] = []
    /// Open connections plus those being opened.
    private var total = 0
    private var waiters: [Waiter] = []

    /// A caller waiting for a connection, with the timer that fails it after `acquireTimeout`.
    /// Why the timer is kept: a waiter served in time must cancel it, or every wait leaves a
    /// sleeping task behind for the whole timeout (at 1,000 waits a second, thousands alive,
    /// costing memory and a third of a busy server's CPU in wake-ups).
    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<PGConnection, any Error>
        let timer: Task<Void, Never>

        func resume(with result: Result<PGConnection, any Error>) {
            timer.cancel()
            continuation.resume(with: result)
        }
    }
    private var nextWaiterID: UInt64 = 0
    private var closed = false

    public init(
        _ configuration: PGConfiguration, maxConnections: Int = 10, acquireTimeout: Duration = .seconds(30),
        logger: Logger = Logger(label: "ebbflow.postgres.pool")
    ) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.configuration = configuration
        self.maxConnections = maxConnections
        self.acquireTimeout = acquireTimeout
        self.logger = logger
    }

    /// Lends a connection to `body` and takes it back afterwards, whatever happens.
    @discardableResult
    public nonisolated func withConnection<T: Sendable>(_ body: @Sendable (PGConnection) async throws -> T) async throws
        -> T
    {
        let connection = try await acquire()
        do {
            let value = try await body(connection)
            await giveBack(connection)
            return value
        } catch {
            await giveBack(connection)
            throw error
        }
    }

    /// `withConnection` + `PGConnection.withTransaction`.
    @discardableResult
    public nonisolated func withTransaction<T: Sendable>(
        _ options: PGTransactionOptions = PGTransactionOptions(),
        _ body: @Sendable (isolated PGConnection) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try await connection.withTransaction(options, body)
        }
    }

    /// Runs one statement on a pooled connection.
    @discardableResult
    public nonisolated func query(_ sql: String, _ bindings: PGBindings = []) async throws -> PGResult {
        try await withConnection { try await $0.query(sql, bindings) }
    }

    /// Takes a connection; pair with `giveBack`. Prefer `withConnection`.
    public func acquire() async throws -> PGConnection {
        if closed { throw PGError(.poolClosed, "the connection pool is closed") }
        if let connection = idle.popLast() { return connection }
        if total < maxConnections {
            total += 1
            do {
                return try await PGConnection.connect(configuration, logger: logger)
            } catch {
                total -= 1
                throw error
            }
        }
        nextWaiterID += 1
        let id = nextWaiterID
        let timeout = acquireTimeout
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let timer = Task { [weak self] in
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }
                    await self?.expire(
                        id,
                        PGError(
                            .poolTimeout,
                            "no database connection became free within \(timeout) (pool of \(self?.maxConnections ?? 0))"
                        ))
                }
                waiters.append(Waiter(id: id, continuation: continuation, timer: timer))
            }
        } onCancel: {
            Task { await self.expire(id, CancellationError()) }
        }
    }

    /// Returns a connection taken with `acquire`.
    public nonisolated func giveBack(_ connection: PGConnection) async {
        // After a committed transaction and nothing since, it is idle: skip the hop to check.
        let reusable = connection.knownIdle.isSet ? true : await connection.resetForReuse()
        await checkIn(connection, reusable: reusable)
    }

    private func checkIn(_ connection: PGConnection, reusable: Bool) {
        guard reusable, !closed else {
            total -= 1
            if !closed { logger.info("discarding a broken database connection") }
            Task { await connection.close() }
            replaceForWaiter()
            return
        }
        if !waiters.isEmpty {
            waiters.removeFirst().resume(with: .success(connection))
        } else {
            idle.append(connection)
        }
    }

    /// A discarded connection frees a slot: open a new one for the first waiter, if any.
    private func replaceForWaiter() {
        guard !waiters.isEmpty, total < maxConnections else { return }
        total += 1
        Task {
            do {
                let connection = try await PGConnection.connect(configuration, logger: logger)
                checkIn(connection, reusable: true)
            } catch {
                failOpen(error)
            }
        }
    }

    private func failOpen(_ error: any Error) {
        total -= 1
        if !waiters.isEmpty { waiters.removeFirst().resume(with: .failure(error)) }
    }

    private func expire(_ id: UInt64, _ error: any Error) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).resume(with: .failure(error))
    }

    /// Closes idle connections and refuses new acquisitions; lent ones close on return.
    public func close() async {
        closed = true
        for waiter in waiters {
            waiter.resume(with: .failure(PGError(.poolClosed, "the connection pool is closed")))
        }
        waiters.removeAll()
        let toClose = idle
        idle.removeAll()
        total -= toClose.count
        for connection in toClose { await connection.close() }
    }

    /// Open connections and waiters, for metrics and tests.
    public var statistics: (open: Int, idle: Int, waiting: Int) { (total, idle.count, waiters.count) }
}
