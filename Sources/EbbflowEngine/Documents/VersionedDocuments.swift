// What streams and templates share as versioned documents: an apply writes a new version only when one changed.
import EbbflowCore
import Foundation
import PostgresClient

/// What applying a document did to one stream or template.
public enum VersionedApplyOutcome: Sendable, Equatable {
    case created
    case updated(version: Int)
    case unchanged
}

/// Why one place: streams and templates are both kept whole in versions (a send or a member
/// keeps the version it started with), so applying a document means the same for both. Each
/// store keeps its own table and SQL; its upsert returns a row (`version`, `created`) only when
/// it wrote a version, and no row for a document equal to the stored one.
struct VersionedDocuments: Sendable {
    let schema: SchemaName

    /// Writes each of `documents` (already validated, in document order) with `upsert`, bound
    /// by `bindings` at the database's time, read once: all in the caller's transaction.
    func apply<Document>(
        _ documents: [Document], name: (Document) -> String, upsert: String,
        bindings: (Document, Date) throws -> PGBindings, on connection: isolated PGConnection
    ) throws -> [(name: String, outcome: VersionedApplyOutcome)] {
        let now = try DatabaseClock(schema: schema).now(on: connection)
        return try documents.map { document in
            guard let row = try connection.query(upsert, try bindings(document, now)).first else {
                return (name(document), .unchanged)
            }
            let created: Bool = try row.decode("created")
            return (name(document), created ? .created : .updated(version: try row.decode("version")))
        }
    }
}

/// One stored version of a stream or template.
public struct StoredVersion<Definition: Sendable>: Sendable {
    public var definition: Definition
    public var version: Int
    /// When the document was first applied.
    public var createdAt: Date
    /// When this version was made.
    public var updatedAt: Date

    /// `definition` (decoded by its store, which may check it) with the version and times of
    /// its row (`version`, `created_at`, `updated_at`).
    init(_ definition: Definition, row: PGRow) throws {
        self.definition = definition
        version = try row.decode("version")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}

extension StoredVersion: Equatable where Definition: Equatable {}
