// One numbered SQL migration file (sql/NNNN_name.sql) and the set the binary carries.

import PostgresClient

/// A migration: its number, its file name and its SQL.
public struct MigrationFile: Sendable, Equatable {
    public let version: Int
    public let fileName: String
    public let sql: String

    /// Parses `NNNN_description.sql`; anything else is a packaging error worth stopping for.
    public init(fileName: String, sql: String) throws {
        let stem = fileName.hasSuffix(".sql") ? String(fileName.dropLast(4)) : ""
        let digits = stem.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let version = Int(digits), version > 0,
              stem.dropFirst(digits.count).first == "_", stem.count > digits.count + 1 else {
            throw PGError(.invalidConfiguration, "migration file \"\(fileName)\" is not named NNNN_description.sql")
        }
        self.version = version
        self.fileName = fileName
        self.sql = sql
    }

    /// The files of `sql/`, embedded at build time by the EmbedSQL plugin, in version order.
    public static func embedded() throws -> [MigrationFile] {
        try validated(embeddedMigrationFiles.map { try MigrationFile(fileName: $0.name, sql: $0.sql) })
    }

    /// Sorts by version and refuses two files with one number.
    public static func validated(_ files: [MigrationFile]) throws -> [MigrationFile] {
        let sorted = files.sorted { $0.version < $1.version }
        for (previous, next) in zip(sorted, sorted.dropFirst()) where previous.version == next.version {
            throw PGError(.invalidConfiguration, "migrations \(previous.fileName) and \(next.fileName) share number \(next.version)")
        }
        return sorted
    }
}
