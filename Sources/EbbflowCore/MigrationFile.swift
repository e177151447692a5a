// One numbered SQL migration file (sql/<line>/NNNN_name.sql) and the set the binary carries.

import PostgresClient

/// A migration: its line, its number within the line, its file name and its SQL.
public struct MigrationFile: Sendable, Equatable {
    public let line: MigrationLine
    public let version: Int
    public let fileName: String
    public let sql: String

    /// `line/NNNN_description.sql`, as `migrate` names it.
    public var path: String { "\(line.rawValue)/\(fileName)" }

    /// Parses `NNNN_description.sql`; anything else is a packaging error worth stopping for.
    public init(line: MigrationLine, fileName: String, sql: String) throws {
        let stem = fileName.hasSuffix(".sql") ? String(fileName.dropLast(4)) : ""
        let digits = stem.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let version = Int(digits), version > 0,
            stem.dropFirst(digits.count).first == "_", stem.count > digits.count + 1
        else {
            throw PGError(.invalidConfiguration, "migration file \"\(fileName)\" is not named NNNN_description.sql")
        }
        self.line = line
        self.version = version
        self.fileName = fileName
        self.sql = sql
    }

    /// Parses `line/NNNN_description.sql`, the name the EmbedSQL plugin gives each file.
    public init(path: String, sql: String) throws {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let line = MigrationLine(rawValue: String(parts[0])) else {
            throw PGError(
                .invalidConfiguration,
                "migration file \"\(path)\" is not in a known line folder (\(MigrationLine.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        try self.init(line: line, fileName: String(parts[1]), sql: sql)
    }

    /// The files of `sql/`, embedded at build time by the EmbedSQL plugin, in apply order.
    public static func embedded() throws -> [MigrationFile] {
        try validated(embeddedMigrationFiles.map { try MigrationFile(path: $0.name, sql: $0.sql) })
    }

    /// Sorts into apply order (line by line in dependency order, each by number) and refuses
    /// two files with one number in one line.
    public static func validated(_ files: [MigrationFile]) throws -> [MigrationFile] {
        let sorted = files.sorted { ($0.line.rank, $0.version) < ($1.line.rank, $1.version) }
        for (previous, next) in zip(sorted, sorted.dropFirst())
        where previous.line == next.line && previous.version == next.version {
            throw PGError(
                .invalidConfiguration, "migrations \(previous.path) and \(next.path) share number \(next.version)")
        }
        return sorted
    }
}
