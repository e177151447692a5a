// Privacy requests for both front doors: a person's data exported (access) and forgotten (erasure), each audited.
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// `contacts export` / `POST /v1/contacts/{external_id}/export` and `contacts forget` /
/// `POST /v1/contacts/{external_id}/forget`. Both are POST over HTTP: each writes an audit row.
public struct PrivacyOperations: Sendable {
    public let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// The longest external id a request may name (as the contact import bounds it).
    public static let maxExternalIDBytes = 256

    /// Checks an external id from a path or an argument: not empty, bounded, no NUL.
    public static func externalID(_ text: String) throws(OperationError) -> String {
        guard !text.isEmpty else { throw .invalid("the external id is empty", field: "external_id") }
        guard text.utf8.count <= maxExternalIDBytes else {
            throw .invalid(
                "the external id is \(text.utf8.count) bytes long, at most \(maxExternalIDBytes) are accepted",
                field: "external_id")
        }
        guard !text.utf8.contains(0) else {
            throw .invalid("the external id contains a NUL byte", field: "external_id")
        }
        return text
    }

    /// Writes everything held about the contact as one JSON document through `write`, in
    /// chunks, and records the export in `contact_audit`. `via` is 'cli' or 'api'.
    public func export(
        externalID: String, via: String, on database: PGConnection,
        write: @escaping @Sendable (String) async throws -> Void
    ) async throws {
        let found = try await beginExport(externalID: externalID, via: via, on: database)
        try await writeExport(found, on: database, write: write)
    }

    /// The first half of an export (the contact found, the audit row committed), for a caller
    /// that must answer 404 before it sends any of the document; `writeExport` sends it.
    public func beginExport(externalID: String, via: String, on database: PGConnection) async throws
        -> ExportStart.Found
    {
        let externalID = try Self.externalID(externalID)
        switch try await ContactExporting(schema: schema).begin(externalID: externalID, via: via, on: database) {
        case .found(let found): return found
        case .forgotten:
            throw OperationError.notFound(
                "\"\(externalID)\" was forgotten (contacts forget): ebbflow holds nothing about them but a keyed digest"
            )
        case .notFound: throw OperationError.notFound("no contact with external id \"\(externalID)\"")
        }
    }

    /// The second half: the document of a contact `beginExport` found, through `write`.
    public func writeExport(
        _ found: ExportStart.Found, on database: PGConnection, write: @escaping @Sendable (String) async throws -> Void
    ) async throws {
        try await ContactExporting(schema: schema).write(found, on: database, write: write)
    }

    /// Forgets the contact (see `ContactForgetting`); a person forgotten before is a no-op
    /// that says so, not an error.
    public func forget(externalID: String, via: String, on database: PGConnection) async throws -> ActionOutcome {
        let externalID = try Self.externalID(externalID)
        switch try await ContactForgetting(schema: schema).forget(externalID: externalID, via: via, on: database) {
        case .notFound: throw OperationError.notFound("no contact with external id \"\(externalID)\"")
        case .alreadyForgotten:
            return ActionOutcome(
                "\(externalID) was already forgotten: nothing to do",
                ["external_id": .string(externalID), "forgotten": false, "already_forgotten": true])
        case .forgotten(let tombstone, let from, let eventsKept, let jobsCancelled):
            return ActionOutcome(
                """
                \(externalID) forgotten: identifying data removed, suppressed (forgotten, was \(from.rawValue)), \
                \(eventsKept) events kept anonymously as \(tombstone), \(jobsCancelled) pending jobs cancelled
                """,
                [
                    "external_id": .string(externalID), "forgotten": true, "already_forgotten": false,
                    "tombstone": .string(tombstone), "from_status": .string(from.rawValue),
                    "events_kept": .integer(Int64(eventsKept)), "jobs_cancelled": .integer(Int64(jobsCancelled)),
                ])
        }
    }
}
