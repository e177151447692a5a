// The middleware in front of every /v1/ route: a valid key (401), of the route's scope (403), within its rate (429).
import Crypto
import EbbflowHTTP
import Hummingbird
import Synchronization

/// Why the checks in this order: a request without a valid key learns nothing else (not even
/// whether the route's scope would have matched); a valid key learns it has the wrong scope
/// before it spends its rate; only a request that would be served counts against the limit.
/// A 401 challenges with `Bearer` alone, even where Basic is taken: a `Basic` challenge makes
/// browsers pop up a password dialog, and Segment's clients send their credentials unasked.
struct Authenticate: RouterMiddleware {
    typealias Context = HTTPContext

    let keys: KeyVerifier
    let scope: HTTPCaller.Scope
    /// Segment's Basic form (write key as user name) is taken on the ingest routes only.
    let acceptsBasic: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let presented = Credentials.key(in: request, acceptsBasic: acceptsBasic) else {
            throw APIError(
                .unauthorized,
                acceptsBasic
                    ? "an API key is required: send Authorization: Bearer KEY (or HTTP Basic with the key as user name)"
                    : "an API key is required: send Authorization: Bearer KEY",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        guard let caller = try await keys.verify(presented) else {
            throw APIError(
                .unauthorized, "the API key is not valid (unknown, revoked or mistyped)",
                headers: [.wwwAuthenticate: "Bearer"])
        }
        guard caller.scope.allows(scope) else {
            throw APIError(
                .forbidden,
                "key \"\(caller.keyName)\" has scope \(caller.scope.rawValue); this endpoint needs \(scope.rawValue)")
        }
        if let wait = keys.limiter.take(key: caller.keyName, ratePerSecond: caller.rateLimit) {
            throw APIError(
                .tooManyRequests,
                "key \"\(caller.keyName)\" is over its rate limit of \(caller.rateLimit) requests a second; retry after \(wait) s",
                headers: [.retryAfter: "\(wait)"])
        }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }
}

/// Verifies presented keys against the database and remembers when each was last marked used.
///
/// A key verified in the last `freshFor` is taken from memory: a busy client's every request
/// would otherwise take a pooled connection twice (once for its key, once for its work), and
/// at 1,000 requests a second the key's lookup was half the pool's traffic. The cost is that a
/// revoked key keeps working for at most `freshFor` in each process that saw it just before;
/// only keys that verified are remembered, by the SHA-256 of the whole presented text (never the
/// text), so a wrong key always reaches the database.
final class KeyVerifier: Sendable {
    static let freshFor: Duration = .seconds(1)
    /// Remembered keys at most; past it the memory starts again (a client cycling through keys
    /// cannot grow it).
    static let maxRemembered = 10_000

    /// Lookups a second of keys this process has not verified before, unless told otherwise.
    public static let defaultLookupRate = 200

    let store: APIKeyStore
    let database: APIDatabase
    let limiter = RateLimiter()
    /// Why a budget for unfamiliar keys: every well-formed key that is not in memory costs a
    /// pooled connection, so a flood of made-up keys could take the connections from every
    /// real caller (each then answered 503). Keys verified before (their entry expired but
    /// kept) never spend it, so during such a flood real clients go on; a new key waits out at
    /// most a second of 429.
    let lookupRate: Int
    private let touched = Mutex<[Int64: ContinuousClock.Instant]>([:])
    private let verified = Mutex<[[UInt8]: (caller: HTTPCaller, at: ContinuousClock.Instant)]>([:])

    init(store: APIKeyStore, database: APIDatabase, lookupRate: Int = defaultLookupRate) {
        self.store = store
        self.database = database
        self.lookupRate = lookupRate
    }

    func verify(_ presented: Substring) async throws -> HTTPCaller? {
        let text = String(presented)
        let now = ContinuousClock.now
        let digest = Array(SHA256.hash(data: Array(text.utf8)))
        let (fresh, familiar) = verified.withLock { memory -> (HTTPCaller?, Bool) in
            guard let entry = memory[digest] else { return (nil, false) }
            return (now - entry.at < Self.freshFor ? entry.caller : nil, true)
        }
        if let fresh { return fresh }
        // "<lookup>" cannot be a key's name (names start with a letter or digit).
        if !familiar, let wait = limiter.take(key: "<lookup>", ratePerSecond: lookupRate) {
            throw APIError(
                .tooManyRequests,
                "too many requests with keys this server has not seen yet; retry after \(wait) s",
                headers: [.retryAfter: "\(wait)"])
        }
        let store = self.store
        let found = try await database.run { connection in try store.verify(text, on: connection) }
        guard let (caller, keyID) = found else { return nil }
        verified.withLock { memory in
            if memory.count >= Self.maxRemembered { memory.removeAll(keepingCapacity: true) }
            memory[digest] = (caller, now)
        }
        let due = touched.withLock { touched in
            guard let last = touched[keyID], now - last < .seconds(60) else {
                touched[keyID] = now
                return true
            }
            return false
        }
        if due { _ = try? await database.run { connection in try store.touch(keyID: keyID, on: connection) } }
        return caller
    }
}
