// The signing keys of links: the current one made on first use, rotation with a grace period, and the keys that still verify.
import Crypto
import EbbflowCore
import Foundation
import PostgresClient

/// A key as listed: never its secret.
public struct LinkKeyInfo: Sendable, Equatable {
    public var id: Int32
    public var createdAt: Date
    /// When a rotation replaced it; nil for the current key.
    public var retiredAt: Date?
    /// Until when a retired key still verifies the links it signed.
    public var verifiesUntil: Date?
}

/// Why keys live in the database: every `serve` process and every CLI run must sign and
/// verify with the same keys, and a key must outlive processes. Why rotation keeps the old
/// key: unsubscribe links sit in emails people read months later, and Gmail and Yahoo require
/// the unsubscribe to work whenever it is used; a rotation must not break them, so the retired
/// key verifies for a grace period (default 180 days, `defaultGrace`) and is then refused.
public struct LinkKeyStore: Sendable {
    let schema: SchemaName
    var table: String { schema.qualified("link_keys") }

    /// Half a year: most mail that is ever read again is read within it, and CAN-SPAM's 30 days
    /// and the bulk senders' rules are comfortably inside it.
    public static let defaultGrace = "180d"
    /// The longest grace a rotation takes: two years. A key that must verify longer is not retired.
    public static let maxGraceSeconds: Double = 730 * 86_400

    public init(schema: SchemaName) { self.schema = schema }

    /// The key that signs now, made on first use. Race-safe: two first uses both try to insert
    /// and the partial unique index (`link_keys_one_current`) keeps one; both then read it.
    func current(now: Date, on connection: isolated PGConnection) throws -> (id: Int32, secret: SymmetricKey) {
        if let found = try readCurrent(on: connection) { return found }
        try connection.execute(
            """
            INSERT INTO \(table) (secret, created_at) VALUES ($1, $2)
            ON CONFLICT ((true)) WHERE retired_at IS NULL DO NOTHING
            """, [Self.newSecret(), now])
        guard let made = try readCurrent(on: connection) else {
            throw PGError(.unexpected, "no current link key after making one")
        }
        return made
    }

    func readCurrent(on connection: isolated PGConnection) throws -> (id: Int32, secret: SymmetricKey)? {
        try connection.query("SELECT id, secret FROM \(table) WHERE retired_at IS NULL").rows.first.map {
            (try $0.decode("id"), SymmetricKey(data: try $0.decode("secret", as: Data.self)))
        }
    }

    /// The secret of key `id` if it still verifies at `now`: current, or retired within its grace.
    func verifying(id: Int32, now: Date, on connection: isolated PGConnection) throws -> SymmetricKey? {
        try connection.query(
            "SELECT secret FROM \(table) WHERE id = $1 AND (verifies_until IS NULL OR verifies_until > $2)",
            [id, now]
        ).rows.first.map { SymmetricKey(data: try $0.decode("secret", as: Data.self)) }
    }

    /// Makes a new current key; the previous one verifies for `graceSeconds` more (call it in a
    /// transaction: its lock is held to the end of one). The table is
    /// locked against other rotations and first uses for the transaction, so two rotations at
    /// once make two keys one after the other, never two current ones.
    public func rotate(graceSeconds: Double, now: Date, on connection: isolated PGConnection) throws -> (
        current: LinkKeyInfo, retired: LinkKeyInfo?
    ) {
        try connection.execute("LOCK TABLE \(table) IN SHARE ROW EXCLUSIVE MODE")
        let retired = try connection.query(
            """
            UPDATE \(table) SET retired_at = $1, verifies_until = $1 + make_interval(secs => $2)
            WHERE retired_at IS NULL RETURNING id, created_at, retired_at, verifies_until
            """, [now, graceSeconds]
        ).rows.first.map(Self.info)
        let made = try connection.query(
            "INSERT INTO \(table) (secret, created_at) VALUES ($1, $2) RETURNING id, created_at, retired_at, verifies_until",
            [Self.newSecret(), now]
        ).rows.first.map(Self.info)
        return (made!, retired)
    }

    /// Every key, newest first, without its secret.
    public func list(on connection: isolated PGConnection) throws -> [LinkKeyInfo] {
        try connection.query("SELECT id, created_at, retired_at, verifies_until FROM \(table) ORDER BY id DESC").rows
            .map(Self.info)
    }

    static func info(_ row: PGRow) throws -> LinkKeyInfo {
        LinkKeyInfo(
            id: try row.decode("id"), createdAt: try row.decode("created_at"), retiredAt: try row.decode("retired_at"),
            verifiesUntil: try row.decode("verifies_until"))
    }

    /// 256 bits from the system's cryptographic generator (swift-crypto: getrandom on Linux).
    static func newSecret() -> Data {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }
}
