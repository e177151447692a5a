// `contacts export`: everything held about one contact as one JSON document, written as it is read.
import EbbflowCore
import Foundation
import PostgresClient

/// What an export found.
public enum ExportOutcome: Sendable, Equatable {
    /// Written; the audit row is `auditID`.
    case exported(auditID: Int64)
    /// No contact has that external id, but a forgotten person had it: only digests are held.
    case forgotten
    case notFound
}

/// Why written as it is read: a contact may have a hundred thousand events, so the document
/// is never held whole. Each section is read in pages of `pageSize` rows in one REPEATABLE
/// READ snapshot (the sections agree with each other), each row rendered by PostgreSQL
/// (`to_jsonb` of the whole row: every column, a column added later included), and the text
/// handed to `write` in chunks of about 64 KiB.
///
/// Why the audit row first, in its own transaction: every export that printed anything has
/// its row, even one cut short; an audit row for an export that then failed says only that
/// one was asked for.
public struct ContactExporting: Sendable {
    let schema: SchemaName
    let sql: PrivacySQL
    static let pageSize = 1_000

    public init(schema: SchemaName) {
        self.schema = schema
        sql = PrivacySQL(schema: schema)
    }

    /// Writes the export of `externalID` through `write` (called in order, on the
    /// connection's thread). `via` says who asked ('cli', 'api').
    public func export(
        externalID: String, via: String, on connection: PGConnection,
        write: @escaping @Sendable (String) async throws -> Void
    ) async throws -> ExportOutcome {
        switch try await begin(externalID: externalID, via: via, on: connection) {
        case .found(let start):
            try await self.write(start, on: connection, write: write)
            return .exported(auditID: start.auditID)
        case .forgotten: return .forgotten
        case .notFound: return .notFound
        }
    }

    /// The first half of an export: finds the contact and commits its audit row. Why apart: the
    /// HTTP route must know whether there is anything to send (200 or 404) before it sends a byte.
    public func begin(externalID: String, via: String, on connection: PGConnection) async throws -> ExportStart {
        let sql = self.sql
        let schema = self.schema
        let found: ExportStart.Found? = try await connection.withTransaction { connection in
            guard let row = try connection.query(sql.findContact(externalID)).first else { return nil }
            let id: Int64 = try row.decode("id")
            let now = try DatabaseClock(schema: schema).now(on: connection)
            let audit: Int64 = try connection.query(
                """
                INSERT INTO \(identifier: sql.table("contact_audit")) (contact_id, action, via, at)
                VALUES (\(bind: id), 'export', \(bind: via), \(bind: now)) RETURNING id
                """
            ).first!.decode("id")
            return ExportStart.Found(contactID: id, externalID: externalID, auditID: audit, at: now)
        }
        if let found { return .found(found) }
        let forgotten = try await connection.run { connection in
            try connection.query(sql.isForgotten, [externalID]).first!.decode("forgotten", as: Bool.self)
        }
        return forgotten ? .forgotten : .notFound
    }

    /// The second half: the document of a contact `begin` found, in one snapshot.
    public func write(
        _ start: ExportStart.Found, on connection: PGConnection,
        write: @escaping @Sendable (String) async throws -> Void
    ) async throws {
        let sql = self.sql
        let schema = self.schema
        try await connection.withTransaction(PGTransactionOptions(isolation: .repeatableRead, readOnly: true)) {
            connection in
            var out = ExportWriter(write: write)
            try await out.raw(
                "{\n  \"export_format\": 1,\n  \"exported_at\": \(JSONText.quoted(OperationText.time(start.at))),\n")
            try await out.raw("  \"contact\": ")
            try await out.raw(
                try connection.query(
                    "SELECT to_jsonb(c)::text AS row FROM \(identifier: sql.table("contacts")) c WHERE id = \(bind: start.contactID)"
                ).first!.decode("row", as: String.self))
            for section in ExportSection.all(schema: schema) {
                try await out.raw(",\n  \(JSONText.quoted(section.name)): [")
                var first = true
                var last: PGRow?
                while true {
                    let rows = try connection.query(
                        section.page(start.contactID, start.externalID, last, Self.pageSize)
                    ).rows
                    for row in rows {
                        try await out.raw(first ? "\n    " : ",\n    ")
                        first = false
                        try await out.raw(try row.decode("row", as: String.self))
                    }
                    guard rows.count == Self.pageSize, let final = rows.last else { break }
                    last = final
                }
                try await out.raw(first ? "]" : "\n  ]")
            }
            try await out.raw("\n}\n")
            try await out.flush()
        }
    }
}

/// What the first half of an export found.
public enum ExportStart: Sendable {
    public struct Found: Sendable {
        public var contactID: Int64
        public var externalID: String
        public var auditID: Int64
        public var at: Date
    }

    case found(Found)
    case forgotten
    case notFound
}

/// The text of an export, handed on in chunks.
struct ExportWriter {
    let write: @Sendable (String) async throws -> Void
    var buffer = ""
    static let chunk = 64 * 1_024

    mutating func raw(_ text: String) async throws {
        buffer += text
        if buffer.utf8.count >= Self.chunk { try await flush() }
    }

    mutating func flush() async throws {
        guard !buffer.isEmpty else { return }
        try await write(buffer)
        buffer = ""
    }
}

/// Times in the export's header as everywhere in ebbflow's output: RFC 3339, UTC.
enum OperationText {
    static func time(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
