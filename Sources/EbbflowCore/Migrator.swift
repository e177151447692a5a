// Applies each line's numbered SQL files in order, each in its own transaction, once, under an advisory lock.
public import Foundation
public import Logging
public import PostgresClient

/// What `migrate --status` shows for one file.
public struct MigrationStatus: Sendable, Equatable {
    public enum State: String, Sendable { case applied, pending, changed, unknown }
    /// The line's name: a file this binary does not know may belong to a line it does not know.
    public var line: String
    public var version: Int
    public var fileName: String
    public var state: State
    public var appliedAt: Date?

    /// `line/NNNN_description.sql`.
    public var path: String { "\(line)/\(fileName)" }
}

/// The result of a `migrate` run.
public struct MigrationReport: Sendable {
    /// Files this run applied, as `line/file` (others may have been applied by concurrent runs).
    public var applied: [String]
    public var simulation: Bool
    /// The roles granted rights at the end (`<prefix>_worker`, …), when the schema's owner is
    /// a `<prefix>_owner` role made by `ebbflow roles setup`; empty otherwise.
    public var grantedRoles: [String] = []
    /// Warnings of the grants: tables and SECURITY DEFINER functions the grant list does not name.
    public var grantWarnings: [String] = []
}

/// Brings a schema up to date with the migration files.
public struct Migrator: Sendable {
    public let schema: SchemaName
    public let files: [MigrationFile]
    private let sql: MigrationSQL
    private let logger: Logger

    public init(schema: SchemaName, files: [MigrationFile]? = nil, logger: Logger = Logger(label: "ebbflow.migrate"))
        throws
    {
        self.schema = schema
        self.files = try files.map(MigrationFile.validated) ?? MigrationFile.embedded()
        self.sql = MigrationSQL(schema: schema)
        self.logger = logger
    }

    /// Applies every pending file, line by line (core, queue, engine). `simulation` is
    /// recorded the first time a schema is migrated and can never be switched on later, so a
    /// production database cannot become one whose clock can be moved.
    public func migrate(on connection: PGConnection, simulation: Bool = false) async throws -> MigrationReport {
        let (actAs, schemaExists) = try await connection.run { try self.ownerToActAs(on: $0) }
        let checksums = try await connection.run { try self.checksums(on: $0) }
        let (mode, converted) = try await connection.withTransaction { connection in
            try connection.execute(sql.lock, [schema.name])
            try actAs.map { try connection.simpleQuery("SET LOCAL ROLE \(RoleCatalogSQL.quoteIdentifier($0))") }
            // CREATE SCHEMA IF NOT EXISTS asks for CREATE on the database even when the schema
            // exists, which the owner role made by `roles setup` does not have.
            if !schemaExists { try connection.simpleQuery(sql.createSchema) }
            let converted = try convertLegacyBookkeeping(on: connection)
            for statement in sql.createTables { try connection.simpleQuery(statement) }
            let inForce = try connection.query(sql.recordMode, [simulation]).first!.decode("simulation", as: Bool.self)
            try verifyApplied(on: connection, checksums: checksums)
            return (inForce, converted)
        }
        // Said once committed: a conversion whose transaction then failed (an edited file) did not happen.
        if converted { logger.info("converted migration bookkeeping to lines", metadata: ["schema": "\(schema)"]) }
        if simulation && !mode {
            throw PGError(
                .invalidConfiguration,
                "schema \(schema) was created for production; --simulation can only be chosen when a database is first migrated"
            )
        }
        var applied: [String] = []
        for (file, checksum) in zip(files, checksums) {
            let didApply = try await connection.withTransaction { connection in
                try connection.execute(sql.lock, [schema.name])
                try actAs.map { try connection.simpleQuery("SET LOCAL ROLE \(RoleCatalogSQL.quoteIdentifier($0))") }
                if let existing = try connection.query(sql.appliedOne, [file.line.rawValue, file.version]).first {
                    let stored = try existing.decode("checksum", as: String.self)
                    guard stored == checksum else { throw changedError(file) }
                    return false
                }
                try connection.simpleQuery(sql.setSearchPath)
                do {
                    try connection.simpleQuery(file.sql)
                } catch var error as PGError {
                    error.message = "migration \(file.path) failed: \(error.message)"
                    throw error
                }
                try connection.execute(sql.record, [file.line.rawValue, file.version, file.fileName, checksum])
                return true
            }
            if didApply {
                logger.info("applied migration", metadata: ["file": "\(file.path)", "schema": "\(schema)"])
                applied.append(file.path)
            }
        }
        var report = MigrationReport(applied: applied, simulation: mode)
        try await applyGrants(on: connection, report: &report)
        return report
    }

    /// The schema's owner, when the connected role is not it but may act as it (a member of
    /// it, or a superuser): each transaction then runs `SET LOCAL ROLE` to it, so what the
    /// migrations create belongs to the owner and the owner can change it later. Refuses,
    /// in one line naming what is missing, a role that may not change the schema; without
    /// this check the first file's first DDL failed with a bare "permission denied".
    /// Also returns whether the schema exists.
    private func ownerToActAs(on connection: isolated PGConnection) throws -> (String?, Bool) {
        let row = try connection.query(RoleCatalogSQL.schemaOwnership, [schema.name]).first!
        let connected: String = try row.decode("connected")
        guard try row.decode("present", as: Bool.self) else {
            guard try row.decode("may_create_schema", as: Bool.self) else {
                let database: String = try row.decode("database")
                throw PGError(
                    .invalidConfiguration,
                    "migrate needs CREATE on database \(database) to create schema \(schema), "
                        + "or the schema made by ebbflow roles setup; connected as \(connected)"
                )
            }
            return (nil, false)
        }
        let owner: String = try row.decode("owner")
        if owner == connected { return (nil, true) }
        guard try row.decode("member", as: Bool.self) else {
            throw PGError(
                .invalidConfiguration,
                "migrate needs to run as the schema's owner (\(owner)), a member of it or a superuser; connected as \(connected) (schema \(schema))"
            )
        }
        return (owner, true)
    }

    /// Re-applies the grant list (`RoleGrants`) when the schema is owned by a `<prefix>_owner`
    /// role, as that owner: the tables this run created get their rights in the same command,
    /// and a right taken off the list is revoked. One transaction, under the migration lock.
    private func applyGrants(on connection: PGConnection, report: inout MigrationReport) async throws {
        let owner: String = try await connection.query(RoleCatalogSQL.schemaOwnership, [schema.name]).first!.decode(
            "owner")
        guard let roles = RoleNames(ownerRole: owner) else { return }
        let grants = RoleGrants(schema: schema, roles: roles)
        let (granted, outcome) = try await connection.withTransaction { connection in
            try connection.execute(sql.lock, [schema.name])
            try connection.simpleQuery("SET LOCAL ROLE \(RoleCatalogSQL.quoteIdentifier(owner))")
            let kinds = try grants.existingRoles(on: connection)
            return (kinds.map(roles.name), try grants.apply(on: connection))
        }
        report.grantedRoles = granted
        report.grantWarnings = RoleSetup.warnings(outcome)
        for warning in report.grantWarnings { logger.warning("\(warning)") }
    }

    /// Every file with its state; `changed` means edited after it was applied. A database
    /// still keeping the single sequence's bookkeeping is read through `LegacyMigrations`.
    public func status(on connection: PGConnection) async throws -> [MigrationStatus] {
        try await connection.run { connection in
            let checksums = try self.checksums(on: connection)
            var applied: [String: AppliedFile] = [:]
            for record in try appliedFiles(on: connection) { applied[record.key] = record }
            var result: [MigrationStatus] = []
            for (file, checksum) in zip(files, checksums) {
                if let record = applied.removeValue(forKey: "\(file.line.rawValue)/\(file.version)") {
                    result.append(
                        MigrationStatus(
                            line: file.line.rawValue, version: file.version, fileName: file.fileName,
                            state: record.checksum == checksum ? .applied : .changed, appliedAt: record.appliedAt))
                } else {
                    result.append(
                        MigrationStatus(
                            line: file.line.rawValue, version: file.version, fileName: file.fileName, state: .pending))
                }
            }
            for record in applied.values {
                result.append(
                    MigrationStatus(
                        line: record.line, version: record.version, fileName: record.fileName, state: .unknown,
                        appliedAt: record.appliedAt))
            }
            return result.sorted {
                (Self.rank($0.line), $0.line, $0.version) < (Self.rank($1.line), $1.line, $1.version)
            }
        }
    }

    /// Rewrites the single sequence's bookkeeping (rows keyed by version alone, sql/0001..0026)
    /// as rows keyed by line and number, once, in the caller's transaction under the lock:
    /// either every row moves or none does. A version this binary does not know means the
    /// database was migrated by a newer binary of the single sequence; nothing is touched.
    /// Returns whether it converted.
    private func convertLegacyBookkeeping(on connection: isolated PGConnection) throws -> Bool {
        let layout = try connection.query(sql.layout, [sql.table]).first!
        guard try layout.decode("present", as: Bool.self), !(try layout.decode("lined", as: Bool.self)) else {
            return false
        }
        for statement in sql.legacySetAside { try connection.simpleQuery(statement) }
        let places = LegacyMigrations.places
        if let unknown = try connection.query(sql.legacyUnknown, [places.map { Int32($0.version) }]).first {
            let name: String = try unknown.decode("file_name")
            throw PGError(
                .invalidConfiguration,
                "schema \(schema) has migration \(name) applied, which this ebbflow binary does not have; upgrade the binary"
            )
        }
        try connection.simpleQuery(sql.createTables[0])
        try connection.execute(
            sql.legacyCopy,
            [
                places.map { Int32($0.version) }, places.map(\.line.rawValue), places.map { Int32($0.number) },
                places.map(\.fileName),
            ])
        try connection.simpleQuery(sql.legacyDrop)
        return true
    }

    /// One applied file as recorded, in either bookkeeping layout.
    private struct AppliedFile {
        var line: String
        var version: Int
        var fileName: String
        var checksum: String
        var appliedAt: Date
        var key: String { "\(line)/\(version)" }
    }

    private func appliedFiles(on connection: isolated PGConnection) throws -> [AppliedFile] {
        let layout = try connection.query(sql.layout, [sql.table]).first!
        guard try layout.decode("present", as: Bool.self) else { return [] }
        if try layout.decode("lined", as: Bool.self) {
            return try connection.query(sql.applied).rows.map {
                AppliedFile(
                    line: try $0.decode("line"), version: try $0.decode("version"),
                    fileName: try $0.decode("file_name"),
                    checksum: try $0.decode("checksum"), appliedAt: try $0.decode("applied_at"))
            }
        }
        let places = Dictionary(uniqueKeysWithValues: LegacyMigrations.places.map { ($0.version, $0) })
        return try connection.query(sql.legacyApplied).rows.map { row in
            let version: Int = try row.decode("version")
            let recorded: String = try row.decode("file_name")
            let place = places[version]
            return AppliedFile(
                line: place?.line.rawValue ?? "(single sequence)", version: place?.number ?? version,
                fileName: place?.fileName ?? recorded, checksum: try row.decode("checksum"),
                appliedAt: try row.decode("applied_at"))
        }
    }

    /// Refuses to run when an applied file was edited, or the database is ahead of this binary.
    private func verifyApplied(on connection: isolated PGConnection, checksums: [String]) throws {
        let known = Dictionary(
            uniqueKeysWithValues: zip(files.map { "\($0.line.rawValue)/\($0.version)" }, zip(files, checksums)))
        let records = try appliedFiles(on: connection).sorted {
            (Self.rank($0.line), $0.version) < (Self.rank($1.line), $1.version)
        }
        for record in records {
            guard let (file, checksum) = known[record.key] else {
                throw PGError(
                    .invalidConfiguration,
                    "schema \(schema) has migration \(record.line)/\(record.fileName) applied, which this ebbflow binary does not have; upgrade the binary"
                )
            }
            guard record.checksum == checksum else { throw changedError(file) }
        }
    }

    /// A line's place in apply order; lines this binary does not know sort last.
    private static func rank(_ line: String) -> Int {
        MigrationLine(rawValue: line)?.rank ?? MigrationLine.allCases.count
    }

    private func checksums(on connection: isolated PGConnection) throws -> [String] {
        try connection.query(sql.checksums, [files.map(\.sql)]).rows.map { try $0.decode("checksum") }
    }

    private func changedError(_ file: MigrationFile) -> PGError {
        PGError(
            .invalidConfiguration,
            "migration \(file.path) was changed after it was applied to schema \(schema); restore the file and add a new migration instead"
        )
    }
}
