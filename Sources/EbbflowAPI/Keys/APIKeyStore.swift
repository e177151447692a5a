// Creates, lists, revokes and verifies API keys; only SHA-256 of a key's secret is ever stored.
import EbbflowCore
import EbbflowHTTP
import Foundation
import PostgresClient

/// One key as `keys list` shows it: never the secret, which nobody can read back.
public struct APIKeyInfo: Sendable, Equatable {
    public var name: String
    /// The key's public part, `ebf_<public id>_…`, so an operator can tell keys apart.
    public var shown: String
    public var scope: HTTPCaller.Scope
    public var rateLimit: Int
    public var createdAt: Date
    public var revokedAt: Date?
    /// Updated at most once a minute while the key is in use.
    public var lastUsedAt: Date?
}

/// What `keys create` and `keys revoke` refuse, with the reason in words.
public enum APIKeyError: Error, Equatable, CustomStringConvertible {
    case badName(String)
    case nameTaken(String)
    case noActiveKey(String)
    case badRateLimit(Int)

    public var description: String {
        switch self {
        case .badName(let name):
            "key name \"\(name.prefix(80))\" must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
        case .nameTaken(let name):
            "an active key is named \"\(name)\" already: revoke it first (ebbflow keys revoke \(name)) or pick another name"
        case .noActiveKey(let name): "no active key is named \"\(name)\""
        case .badRateLimit(let value):
            "the rate limit must be 1 to \(APIKeyStore.maxRateLimit) requests per second, got \(value)"
        }
    }
}

public struct APIKeyStore: Sendable {
    /// Requests per second a key gets unless told otherwise: well above one client's steady
    /// ingest (Segment's own limit is 500 a second per source), low enough that one runaway
    /// client cannot starve the process's database connections from everyone else.
    public static let defaultRateLimit = 1_000
    public static let maxRateLimit = 1_000_000

    let sql: APIKeySQL

    public init(schema: SchemaName) { sql = APIKeySQL(schema: schema) }

    /// Makes a key and returns it: the only moment its text exists outside the caller.
    public func create(
        name: String, scope: HTTPCaller.Scope, rateLimit: Int = defaultRateLimit, on connection: isolated PGConnection
    ) throws -> APIKeyText {
        guard Self.isValidName(name) else { throw APIKeyError.badName(name) }
        guard (1...Self.maxRateLimit).contains(rateLimit) else { throw APIKeyError.badRateLimit(rateLimit) }
        let key = APIKeyText.generate()
        let inserted = try connection.query(
            sql.insert, [name, key.publicID, Data(key.secretDigest), scope.rawValue, Int32(rateLimit)])
        guard !inserted.rows.isEmpty else { throw APIKeyError.nameTaken(name) }
        return key
    }

    /// Active keys (every key with `includeRevoked`), oldest first.
    public func list(includeRevoked: Bool = false, on connection: isolated PGConnection) throws -> [APIKeyInfo] {
        try connection.query(sql.list, [includeRevoked]).rows.map { row in
            let publicID: String = try row.decode("public_id")
            let scope: String = try row.decode("scope")
            let rate: Int32 = try row.decode("rate_limit")
            return APIKeyInfo(
                name: try row.decode("name"), shown: "\(APIKeyText.prefix)\(publicID)_…",
                scope: HTTPCaller.Scope(rawValue: scope) ?? .read, rateLimit: Int(rate),
                createdAt: try row.decode("created_at"), revokedAt: try row.decode("revoked_at"),
                lastUsedAt: try row.decode("last_used_at"))
        }
    }

    /// Revokes the active key called `name`: from the next request on, it is refused.
    public func revoke(name: String, on connection: isolated PGConnection) throws {
        guard !(try connection.query(sql.revoke, [name]).rows.isEmpty) else { throw APIKeyError.noActiveKey(name) }
    }

    /// The caller `text` (a presented key) identifies, with the key's row id, or nil for
    /// anything that is not an active key. The row is found by the public id; the secret is
    /// compared in constant time.
    public func verify(_ text: some StringProtocol, on connection: isolated PGConnection) throws -> (
        caller: HTTPCaller, keyID: Int64
    )? {
        guard let key = APIKeyText(parsing: text),
            let row = try connection.query(sql.find, [key.publicID]).rows.first
        else { return nil }
        let stored: Data = try row.decode("secret_sha256")
        guard constantTimeEqual(Array(stored), key.secretDigest) else { return nil }
        let scope: String = try row.decode("scope")
        let rate: Int32 = try row.decode("rate_limit")
        guard let scopeValue = HTTPCaller.Scope(rawValue: scope) else { return nil }
        return (
            HTTPCaller(keyName: try row.decode("name"), scope: scopeValue, rateLimit: Int(rate)), try row.decode("id")
        )
    }

    /// Records that key `id` was used (the statement writes at most once a minute per key).
    public func touch(keyID id: Int64, on connection: isolated PGConnection) throws {
        try connection.execute(sql.touch, [id])
    }

    /// 1 to 64 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit (the table's CHECK too).
    public static func isValidName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count) else { return false }
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        }
        return isAlphanumeric(bytes[0])
            && bytes.allSatisfy {
                isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            }
    }
}
