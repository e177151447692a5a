// The stored policy document: validated before it is written, read back once per change and shared by every job.
import EbbflowCore
import Foundation
import Logging
import PostgresClient
import Synchronization

public struct PolicyStore: Sendable {
    let schema: SchemaName
    private var table: String { schema.qualified("policies") }

    public init(schema: SchemaName) { self.schema = schema }

    /// The last document read and what it means. Why: every engine job loads the policy, and
    /// parsing, merging and decoding it each time cost more than the job's own query; the
    /// stored bytes are compared instead, so an edit is seen by the very next load.
    private static let cache = Mutex<(json: [UInt8], document: PolicyDocument)?>(nil)
    private static let logger = Logger(label: "ebbflow.policy")

    /// The stored document, or the defaults when none was set. A stored document is read as
    /// stored (`PolicyDocument.stored`): unknown keys are skipped with a logged warning, a
    /// value today's bounds refuse throws a `PolicyError` naming `policy set`.
    public func load(on connection: isolated PGConnection) throws -> PolicyDocument {
        guard let row = try connection.query("SELECT document FROM \(table)").first else { return PolicyDocument() }
        let json: PGJSON = try row.decode("document")
        let bytes = [UInt8](json.bytes)
        if let cached = Self.cache.withLock({ $0 }), cached.json == bytes { return cached.document }
        let (document, ignored) = try PolicyDocument.stored(json: json.bytes)
        for path in ignored {
            Self.logger.warning(
                "the stored policy has a key this release does not know, ignored: \(path) (ebbflow policy set without it silences this)"
            )
        }
        Self.cache.withLock { $0 = (bytes, document) }
        return document
    }

    /// The stored document's JSON as stored, and the one-line reason the current rules refuse
    /// it (nil when it loads); nil when no policy was set. For `policy show` and `migrate`,
    /// which must show an old document rather than fail on it.
    public func stored(on connection: isolated PGConnection) throws -> (json: Data, problem: String?)? {
        guard let row = try connection.query("SELECT document FROM \(table)").first else { return nil }
        let json: PGJSON = try row.decode("document")
        do {
            let (_, ignored) = try PolicyDocument.stored(json: json.bytes)
            return (json.bytes, ignored.isEmpty ? nil : "unknown key(s) ignored: \(ignored.joined(separator: ", "))")
        } catch {
            return (json.bytes, error.description)
        }
    }

    /// Validates `data` and stores it; a bad document throws `PolicyError` and changes nothing.
    @discardableResult
    public func save(_ data: Data, on connection: isolated PGConnection) throws -> PolicyDocument {
        let (document, json) = try PolicyDocument.parseStored(data)
        try connection.execute(
            """
            INSERT INTO \(table) (document) VALUES ($1::jsonb)
            ON CONFLICT (singleton) DO UPDATE SET document = excluded.document, updated_at = now()
            """, [PGJSON(bytes: json).text])
        return document
    }
}
