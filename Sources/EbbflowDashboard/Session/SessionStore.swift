// Creates, finds and ends dashboard sessions; remembers found ones for a second per process.
import EbbflowAPI
import EbbflowCore
import EbbflowHTTP
import Foundation
import PostgresClient
import Synchronization

/// A signed-in browser as the pages see it: who (the key's name and scope) and its session.
struct SignedIn: Sendable, Equatable {
    let caller: HTTPCaller
    let session: BrowserSession
    let keyID: Int64
}

/// Why remember found sessions for a second: a page and its live fragments would otherwise
/// each spend a pooled connection on the lookup. The cost is the API's own promise: a revoked
/// key or an ended session stops working within a second in every process.
final class SessionStore: Sendable {
    /// Absolute lifetime of a session: a working day.
    static let lifetime: Duration = .seconds(12 * 3_600)
    /// A session unused this long is over.
    static let idleLimit: Duration = .seconds(2 * 3_600)
    static let freshFor: Duration = .seconds(1)
    static let maxRemembered = 10_000

    let sql: SessionSQL
    let keys: APIKeyStore
    private let remembered = Mutex<[[UInt8]: (signedIn: SignedIn, at: ContinuousClock.Instant)]>([:])

    init(schema: SchemaName) {
        sql = SessionSQL(schema: schema)
        keys = APIKeyStore(schema: schema)
    }

    /// Signs in with the presented API key text: a new session (never one the browser brought,
    /// so a planted cookie cannot be made to sign in), or nil when the key is not an active
    /// read or admin key. `ingest` keys see nothing, so they cannot sign in either.
    func signIn(key text: String, on connection: isolated PGConnection) throws -> (
        token: SessionToken, signedIn: SignedIn
    )? {
        guard let (caller, keyID) = try keys.verify(text, on: connection), caller.scope.allows(.read) else {
            return nil
        }
        let token = SessionToken.random()
        let csrf = SessionToken.random()
        try connection.withTransactionSync {
            try connection.execute(sql.deleteExpired)
            try connection.execute(
                sql.insert,
                [Data(token.digest), keyID, Data(csrf.bytes), Double(Self.lifetime.components.seconds)])
        }
        return (
            token,
            SignedIn(
                caller: caller, session: BrowserSession(tokenDigest: token.digest, csrfToken: csrf.text), keyID: keyID)
        )
    }

    /// The session `token` names, if it is still live; from memory when found in the last second.
    func find(_ token: SessionToken, database: APIDatabase) async throws -> SignedIn? {
        let digest = token.digest
        let now = ContinuousClock.now
        if let entry = remembered.withLock({ $0[digest] }), now - entry.at < Self.freshFor { return entry.signedIn }
        let sql = self.sql
        let found = try await database.run { connection -> SignedIn? in
            guard
                let row = try connection.query(sql.find, [Data(digest), Double(Self.idleLimit.components.seconds)]).rows
                    .first
            else { return nil }
            let scopeText: String = try row.decode("scope")
            guard let scope = HTTPCaller.Scope(rawValue: scopeText) else { return nil }
            let csrf: Data = try row.decode("csrf_token")
            let rate: Int32 = try row.decode("rate_limit")
            if try row.decode("touch_due") as Bool { try connection.execute(sql.touch, [Data(digest)]) }
            return SignedIn(
                caller: HTTPCaller(keyName: try row.decode("name"), scope: scope, rateLimit: Int(rate)),
                session: BrowserSession(tokenDigest: digest, csrfToken: SessionToken(bytes: Array(csrf)).text),
                keyID: try row.decode("key_id"))
        }
        remembered.withLock { memory in
            if let found {
                if memory.count >= Self.maxRemembered { memory.removeAll(keepingCapacity: true) }
                memory[digest] = (found, now)
            } else {
                memory[digest] = nil
            }
        }
        return found
    }

    /// Ends the session with this digest (sign-out) in this process at once and in the others
    /// within a second.
    func end(digest: [UInt8], database: APIDatabase) async throws {
        remembered.withLock { $0[digest] = nil }
        let sql = self.sql
        _ = try await database.run { connection in try connection.execute(sql.delete, [Data(digest)]) }
    }
}
