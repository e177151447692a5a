// The four least-privilege roles and their names, derived from one prefix.
public import PostgresClient

/// What a role is for. The names are `<prefix>_owner`, `<prefix>_worker`, `<prefix>_api` and
/// `<prefix>_readonly`; `ebbflow roles setup --password-file ROLE=PATH` names them by these
/// raw values.
public enum RoleKind: String, Sendable, CaseIterable, Comparable {
    /// Owns the schema and everything in it; runs `ebbflow migrate` (DDL) and the admin commands.
    case owner
    /// Runs `ebbflow worker`: data rights only.
    case worker
    /// Runs `ebbflow serve` (the HTTP API and the dashboard): data rights only.
    case api
    /// Dashboards and analysts: SELECT, and not on the tables holding secrets.
    case readonly

    /// The roles that are granted rights (the owner has them all by owning the objects).
    public static let granted: [RoleKind] = [.worker, .api, .readonly]

    public static func < (lhs: RoleKind, rhs: RoleKind) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The role names for one prefix, checked once so they can be spliced into SQL as identifiers.
///
/// Why a prefix: roles are cluster-wide, so two installations (or two test runs) on one
/// PostgreSQL keep apart by prefix, while the schema keeps their tables apart.
public struct RoleNames: Sendable, Hashable {
    public let prefix: String

    public static let defaultPrefix = "ebbflow"

    /// 1-50 lower-case letters, digits and underscores, starting with a letter, not `pg_`:
    /// the longest name (`_readonly`) then fits PostgreSQL's 63 bytes.
    public init(prefix: String) throws(PGError) {
        let valid =
            !prefix.isEmpty && prefix.utf8.count <= 50
            && prefix.utf8.first.map { $0 >= 97 && $0 <= 122 } == true
            && prefix.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
        guard valid, !prefix.hasPrefix("pg_") else {
            throw PGError(
                .invalidConfiguration,
                "invalid role prefix \"\(prefix)\": use 1-50 lower-case letters, digits and underscores, starting with a letter, not pg_"
            )
        }
        self.prefix = prefix
    }

    /// The prefix whose owner role is `owner` (`x_owner` → `x`), or nil: how `migrate` finds the
    /// roles to grant to from the schema's owner, with nothing stored anywhere else.
    public init?(ownerRole owner: String) {
        guard owner.hasSuffix("_owner"), let names = try? RoleNames(prefix: String(owner.dropLast(6))) else {
            return nil
        }
        self = names
    }

    public func name(_ kind: RoleKind) -> String { "\(prefix)_\(kind.rawValue)" }

    /// The name as a quoted SQL identifier (safe: the prefix is checked).
    public func quoted(_ kind: RoleKind) -> String { "\"\(name(kind))\"" }
}
