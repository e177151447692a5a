// The stored templates: a document applied whole or not at all, listed, and shown (any version).
import EbbflowCore
import Foundation
import PostgresClient

/// One stored version of a template.
public typealias StoredTemplate = StoredVersion<TemplateDefinition>

/// What applying a document did to one template.
public typealias TemplateApplyOutcome = VersionedApplyOutcome

public struct TemplateStore: Sendable {
    let schema: SchemaName
    var sql: TemplateSQL { TemplateSQL(schema: schema) }

    public init(schema: SchemaName) { self.schema = schema }

    /// Validates every template of `data`, then writes them all in the caller's transaction.
    /// A bad field throws `TemplateError` before anything is written.
    public func apply(_ data: Data, on connection: isolated PGConnection) throws -> [(
        name: String, outcome: TemplateApplyOutcome
    )] {
        try VersionedDocuments(schema: schema).apply(
            try TemplateDefinition.parse(data), name: \.name, upsert: sql.upsert,
            bindings: { template, now in [template.name, try PGJSON(encoding: template), now] }, on: connection)
    }

    /// Every template at its current version, by name.
    public func list(on connection: isolated PGConnection) throws -> [StoredTemplate] {
        try connection.query(sql.list).rows.map(Self.stored)
    }

    /// Template `name` at `version` (nil: the current one); nil when there is no such template or version.
    public func find(_ name: String, version: Int? = nil, on connection: isolated PGConnection) throws
        -> StoredTemplate?
    {
        if let version {
            guard let version32 = Int32(exactly: version) else { return nil }
            return try connection.query(sql.findVersion, [name, version32]).rows.first.map(Self.stored)
        }
        return try connection.query(sql.find, [name]).rows.first.map(Self.stored)
    }

    static func stored(_ row: PGRow) throws -> StoredTemplate {
        let json: PGJSON = try row.decode("definition")
        return try StoredTemplate(try JSONDecoder().decode(TemplateDefinition.self, from: json.bytes), row: row)
    }
}
