// Applies the numbered SQL files in order, each in its own transaction, once, under an advisory lock.
public import Foundation
public import Logging
public import PostgresClient

/// What `migrate --status` shows for one file.
public struct MigrationStatus: Sendable, Equatable {
    public enum State: String, Sendable { case applied, pending, changed, unknown }
    public var version: Int
    public var fileName: String
    public var state: State
    public var appliedAt: Date?
}

/// The result of a `migrate` run.
public struct MigrationReport: Sendable {
    /// Files this run applied (others may have been applied by concurrent runs).
    public var applied: [String]
    public var simulation: Bool
}

/// Brings a schema up to date with the migration files.
public struct Migrator: Sendable {
    public let schema: SchemaName
    public let files: [MigrationFile]
    private let sql: MigrationSQL
    private let logger: Logger

    public init(schema: SchemaName, files: [MigrationFile]? = nil, logger: Logger = Logger(label: "ebbflow.migrate")) throws {
        self.schema = schema
        self.files = try files.map(MigrationFile.validated) ?? MigrationFile.embedded()
        self.sql = MigrationSQL(schema: schema)
        self.logger = logger
    }

    /// Applies every pending file. `simulation` is recorded the first time a schema is
    /// migrated and can never be switched on later, so a production database cannot become one
    /// whose clock can be moved.
    public func migrate(on connection: PGConnection, simulation: Bool = false) async throws -> MigrationReport {
        let checksums = try await connection.run { try self.checksums(on: $0) }
        let mode = try await connection.withTransaction { connection in
            try connection.execute(sql.lock, [schema.name])
            for statement in sql.bootstrap { try connection.simpleQuery(statement) }
            let inForce = try connection.query(sql.recordMode, [simulation]).first!.decode("simulation", as: Bool.self)
            try verifyApplied(on: connection, checksums: checksums)
            return inForce
        }
        if simulation && !mode {
            throw PGError(.invalidConfiguration,
                "schema \(schema) was created for production; --simulation can only be chosen when a database is first migrated")
        }
        var applied: [String] = []
        for (file, checksum) in zip(files, checksums) {
            let didApply = try await connection.withTransaction { connection in
                try connection.execute(sql.lock, [schema.name])
                if let existing = try connection.query(sql.appliedOne, [file.version]).first {
                    let stored = try existing.decode("checksum", as: String.self)
                    guard stored == checksum else { throw changedError(file) }
                    return false
                }
                try connection.simpleQuery(sql.setSearchPath)
                do {
                    try connection.simpleQuery(file.sql)
                } catch var error as PGError {
                    error.message = "migration \(file.fileName) failed: \(error.message)"
                    throw error
                }
                try connection.execute(sql.record, [file.version, file.fileName, checksum])
                return true
            }
            if didApply {
                logger.info("applied migration", metadata: ["file": "\(file.fileName)", "schema": "\(schema)"])
                applied.append(file.fileName)
            }
        }
        return MigrationReport(applied: applied, simulation: mode)
    }

    /// Every file with its state; `changed` means edited after it was applied.
    public func status(on connection: PGConnection) async throws -> [MigrationStatus] {
        try await connection.run { connection in
            let table = schema.qualified("schema_migrations")
            let present = try connection.query(sql.schemaExists, [table]).first!.decode("present", as: Bool.self)
            let checksums = try self.checksums(on: connection)
            var applied: [Int: (checksum: String, at: Date, name: String)] = [:]
            if present {
                for row in try connection.query(sql.applied).rows {
                    applied[try row.decode("version")] = (try row.decode("checksum"), try row.decode("applied_at"), try row.decode("file_name"))
                }
            }
            var result: [MigrationStatus] = []
            for (file, checksum) in zip(files, checksums) {
                if let record = applied.removeValue(forKey: file.version) {
                    result.append(MigrationStatus(version: file.version, fileName: file.fileName,
                        state: record.checksum == checksum ? .applied : .changed, appliedAt: record.at))
                } else {
                    result.append(MigrationStatus(version: file.version, fileName: file.fileName, state: .pending))
                }
            }
            for (version, record) in applied {
                result.append(MigrationStatus(version: version, fileName: record.name, state: .unknown, appliedAt: record.at))
            }
            return result.sorted { $0.version < $1.version }
        }
    }

    /// Refuses to run when an applied file was edited, or the database is ahead of this binary.
    private func verifyApplied(on connection: isolated PGConnection, checksums: [String]) throws {
        let known = Dictionary(uniqueKeysWithValues: zip(files.map(\.version), zip(files, checksums)))
        for row in try connection.query(sql.applied).rows {
            let version: Int = try row.decode("version")
            let name: String = try row.decode("file_name")
            guard let (file, checksum) = known[version] else {
                throw PGError(.invalidConfiguration,
                    "schema \(schema) has migration \(name) applied, which this ebbflow binary does not have; upgrade the binary")
            }
            guard try row.decode("checksum", as: String.self) == checksum else { throw changedError(file) }
        }
    }

    private func checksums(on connection: isolated PGConnection) throws -> [String] {
        try connection.query(sql.checksums, [files.map(\.sql)]).rows.map { try $0.decode("checksum") }
    }

    private func changedError(_ file: MigrationFile) -> PGError {
        PGError(.invalidConfiguration,
            "migration \(file.fileName) was changed after it was applied to schema \(schema); restore the file and add a new migration instead")
    }
}
