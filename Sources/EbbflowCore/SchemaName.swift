// The validated name of the PostgreSQL schema that holds all of ebbflow's tables.

import PostgresClient

/// A schema name, checked once so it can be spliced into SQL text as a quoted identifier.
///
/// Why splice at all: statements must name their schema explicitly because `SET search_path`
/// does not survive transaction pooling (pgbouncer). The name comes from configuration, never
/// from request input, and is restricted to lower-case letters, digits and underscores.
public struct SchemaName: Sendable, Hashable, CustomStringConvertible {
    public let name: String

    public static let `default` = try! SchemaName("ebbflow")

    public init(_ name: String) throws {
        let valid =
            !name.isEmpty && name.utf8.count <= 63
            && name.utf8.first.map { ($0 >= 97 && $0 <= 122) || $0 == 95 } == true
            && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
        guard valid, !name.hasPrefix("pg_") else {
            throw PGError(
                .invalidConfiguration,
                "invalid schema name \"\(name)\": use 1-63 lower-case letters, digits and underscores, starting with a letter, not pg_"
            )
        }
        self.name = name
    }

    /// The name as a quoted SQL identifier.
    public var quoted: String { "\"\(name)\"" }
    public var description: String { name }

    /// `schema.object`, quoted, for SQL text.
    public func qualified(_ object: String) -> String { "\(quoted).\(object)" }
}
