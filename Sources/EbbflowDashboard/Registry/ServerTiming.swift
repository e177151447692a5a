// The `Server-Timing` header of every dashboard answer: time in the database, and in all, for browsers' tools and the benchmark.
import EbbflowHTTP
import HTTPTypes
import Hummingbird
import Synchronization

/// Why a header: the page budget (300 ms of server time at a million contacts) is measured by
/// `ebbflow-bench dashboard` from outside, and a person can read the same figures in the
/// browser's network panel; the database part tells a slow query from slow rendering.
struct ServerTiming: RouterMiddleware {
    typealias Context = HTTPContext

    /// Database time of the request in progress, summed over its transactions.
    @TaskLocal static var database: DatabaseTime?

    final class DatabaseTime: Sendable {
        private let total = Mutex<Duration>(.zero)
        func add(_ duration: Duration) { total.withLock { $0 += duration } }
        var value: Duration { total.withLock { $0 } }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let database = DatabaseTime()
        var response = try await Self.$database.withValue(database) { try await next(request, context) }
        let total = ContinuousClock.now - start
        response.headers[HTTPField.Name("Server-Timing")!] =
            "db;dur=\(Self.milliseconds(database.value)), total;dur=\(Self.milliseconds(total))"
        return response
    }

    static func milliseconds(_ duration: Duration) -> String {
        let micro = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        return "\(micro / 1_000).\(String(micro % 1_000 + 1_000).dropFirst())"
    }

    /// Runs `body`, adding its time to the request's database time.
    static func timingDatabase<T>(_ body: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer { database?.add(ContinuousClock.now - start) }
        return try await body()
    }
}
