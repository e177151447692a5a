// The dashboard's way to the database: pages read in read-only snapshots under a time limit; actions write.
import EbbflowAPI
import EbbflowHTTP
import PostgresClient
import Synchronization

/// Why read-only transactions: "no action by GET" is then the database's rule, not a code
/// review's; a page that tried to write fails. Why REPEATABLE READ: a page's counts, chart and
/// list come from one snapshot and agree. Why a statement timeout: a query that would run away
/// on a large audience ends as an error page after 5 s instead of holding a connection.
/// Why a limit of its own: dashboards share `serve`'s pool with ingest; a few browsers
/// refreshing heavy pages must not take every connection from the event pipeline.
struct DashboardDatabase: Sendable {
    static let statementTimeout = "5s"

    let database: APIDatabase
    let permits: Permits

    init(database: APIDatabase, connections: Int) {
        self.database = database
        permits = Permits(connections)
    }

    /// `body` in a read-only REPEATABLE READ transaction.
    func read<T: Sendable>(_ body: @escaping @Sendable (isolated PGConnection) throws -> T) async throws -> T {
        try await ServerTiming.timingDatabase {
            try await readUntimed(body)
        }
    }

    private func readUntimed<T: Sendable>(_ body: @escaping @Sendable (isolated PGConnection) throws -> T) async throws
        -> T
    {
        try await permits.with {
            try await database.run { connection in
                try await connection.withTransaction(PGTransactionOptions(isolation: .repeatableRead, readOnly: true)) {
                    connection in
                    // Custom plans: a page's filters are often rare values (a small segment, a
                    // rare kind), and a generic plan, chosen after five runs of a statement, plans
                    // for the average value (measured: a rare segment's contact list went from
                    // 5 ms to 295 ms at the sixth request). Planning a few statements a page
                    // costs far less.
                    try connection.execute(
                        "SELECT set_config('statement_timeout', $1, true), set_config('plan_cache_mode', 'force_custom_plan', true)",
                        [Self.statementTimeout])
                    return try body(connection)
                }
            }
        }
    }

    /// A pooled connection lent to an operation of EbbflowOperations, which runs its own
    /// transactions on it (actions: retry, promote, suppress).
    func act<T: Sendable>(_ body: @escaping @Sendable (PGConnection) async throws -> T) async throws -> T {
        try await permits.with { try await database.withConnection(body) }
    }

    /// A pooled connection for an action, which runs its own transactions (the operations do).
    func write<T: Sendable>(_ body: @escaping @Sendable (isolated PGConnection) async throws -> T) async throws -> T {
        try await permits.with { try await database.run(body) }
    }
}

/// At most `count` holders at once; the others wait in order (a counting semaphore for tasks).
final class Permits: Sendable {
    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(_ count: Int) { state = Mutex(State(free: max(1, count))) }

    func with<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiting.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
