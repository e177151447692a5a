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

    /// Writes the export of `externalID` through `write` (called on the connection's thread,
    /// in order). `via` says who asked ('cli', 'api').
    public func export(
        externalID: String, via: String, on connection: PGConnection, write: @escaping @Sendable (String) throws -> Void
    ) async throws -> ExportOutcome {
        let sql = self.sql
        let schema = self.schema
        let found: (contact: Int64, audit: Int64, at: Date)? = try await connection.withTransaction { connection in
            guard let row = try connection.query(sql.findContact(externalID)).first else { return nil }
            let id: Int64 = try row.decode("id")
            let now = try DatabaseClock(schema: schema).now(on: connection)
            let audit: Int64 = try connection.query(
                """
                INSERT INTO \(identifier: sql.table("contact_audit")) (contact_id, action, via, at)
                VALUES (\(bind: id), 'export', \(bind: via), \(bind: now)) RETURNING id
                """
            ).first!.decode("id")
            return (id, audit, now)
        }
        guard let found else {
            let forgotten = try await connection.run { connection in
                try connection.query(sql.isForgotten, [externalID]).first!.decode("forgotten", as: Bool.self)
            }
            return forgotten ? .forgotten : .notFound
        }
        try await connection.withTransaction(PGTransactionOptions(isolation: .repeatableRead, readOnly: true)) {
            connection in
            var out = ExportWriter(write: write)
            try out.raw(
                "{\n  \"export_format\": 1,\n  \"exported_at\": \(JSONText.quoted(OperationText.time(found.at))),\n")
            try out.raw("  \"contact\": ")
            try out.raw(
                try connection.query(
                    "SELECT to_jsonb(c)::text AS row FROM \(identifier: sql.table("contacts")) c WHERE id = \(bind: found.contact)"
                ).first!.decode("row", as: String.self))
            for section in ExportSection.all(schema: schema) {
                try out.raw(",\n  \(JSONText.quoted(section.name)): [")
                var first = true
                var after: ExportSection.Key = .start
                while true {
                    let rows = try connection.query(section.page(found.contact, externalID, after, Self.pageSize)).rows
                    for row in rows {
                        try out.raw(first ? "\n    " : ",\n    ")
                        first = false
                        try out.raw(try row.decode("row", as: String.self))
                    }
                    guard rows.count == Self.pageSize, let last = rows.last else { break }
                    after = try section.key(last)
                }
                try out.raw(first ? "]" : "\n  ]")
            }
            try out.raw("\n}\n")
            try out.flush()
        }
        return .exported(auditID: found.audit)
    }
}

/// The text of an export, handed on in chunks.
struct ExportWriter {
    let write: @Sendable (String) throws -> Void
    var buffer = ""
    static let chunk = 64 * 1_024

    mutating func raw(_ text: String) throws {
        buffer += text
        if buffer.utf8.count >= Self.chunk { try flush() }
    }

    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try write(buffer)
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
