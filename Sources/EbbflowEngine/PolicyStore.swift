// The stored policy document: validated before it is written, so all workers read a good one.
import EbbflowCore
import Foundation
import PostgresClient

public struct PolicyStore: Sendable {
    let schema: SchemaName
    private var table: String { schema.qualified("policies") }

    public init(schema: SchemaName) { self.schema = schema }

    /// The stored document, or the defaults when none was set.
    public func load(on connection: isolated PGConnection) throws -> PolicyDocument {
        guard let row = try connection.query("SELECT document FROM \(table)").first else { return PolicyDocument() }
        let json: PGJSON = try row.decode("document")
        return try PolicyDocument.parse(json.bytes)
    }

    /// Validates `data` and stores it; a bad document throws `PolicyError` and changes nothing.
    @discardableResult
    public func save(_ data: Data, on connection: isolated PGConnection) throws -> PolicyDocument {
        let (document, json) = try PolicyDocument.parseStored(data)
        try connection.execute("""
            INSERT INTO \(table) (document) VALUES ($1::jsonb)
            ON CONFLICT (singleton) DO UPDATE SET document = excluded.document, updated_at = now()
            """, [PGJSON(bytes: json).text])
        return document
    }
}
