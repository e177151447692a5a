// Streams for both front doors: the list, one stream with its members per version, and applying one document.
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// The stored streams that run, and those today's bounds refuse (listed, not run).
public struct StreamListing: Sendable {
    public var streams: [StoredStream]
    public var broken: [BrokenStream]
}

/// One stored stream and how many contacts follow each of its versions (newest first).
public struct StreamDetails: Sendable {
    public var stream: StoredStream
    public var members: [StreamVersionMembers]
}

public struct StreamVersionMembers: Sendable, Equatable {
    public var version: Int
    public var members: Int
}

/// `streams list|show|apply` and `GET /v1/streams`, `GET /v1/streams/{name}`, `PUT /v1/streams`.
public struct StreamOperations: Sendable {
    public let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Highest manual priority first. The document is the array of `streams list --json`: a
    /// running stream `{"name", "mode", "priority", "version", "steps", "exits", "updated_at"}`,
    /// a refused one `{"name", "version", "not_running"}`.
    public func list(on database: PGConnection) async throws -> Shown<StreamListing> {
        let store = StreamStore(schema: schema)
        let (streams, broken) = try await database.run { try store.listChecked(on: $0) }
        let items: [JSONDocument] =
            streams.map { stream in
                [
                    "name": .string(stream.definition.name), "mode": .string(stream.definition.mode.rawValue),
                    "priority": .whole(stream.definition.priority), "version": .whole(stream.version),
                    "steps": .whole(stream.definition.steps.count),
                    "exits": .array(stream.definition.exits.map { .string($0) }),
                    "updated_at": .time(stream.updatedAt),
                ]
            }
            + broken.map {
                ["name": .string($0.name), "version": .whole($0.version), "not_running": .string($0.problem)]
            }
        return Shown(model: StreamListing(streams: streams, broken: broken), document: .array(items))
    }

    /// One stream: `notFound` when no stream has the name, `conflict` when the stored stream no
    /// longer passes today's bounds (it does not run). The document is
    /// `{"version", "updated_at", "members": [{"version", "members"}], "definition": {…}}`.
    public func show(name: String, on database: PGConnection) async throws -> Shown<StreamDetails> {
        let store = StreamStore(schema: schema)
        guard let found = try await database.run({ try store.find(name, on: $0) }) else {
            throw OperationError.notFound("no stream named \"\(name)\"")
        }
        let stream: StoredStream
        switch found {
        case .success(let good): stream = good
        case .failure(let broken):
            throw OperationError.conflict(
                "stream \(broken.name) version \(broken.version) is not running: \(broken.problem)")
        }
        let members = try await database.run { try store.membersByVersion(name, on: $0) }.map {
            StreamVersionMembers(version: $0.version, members: $0.members)
        }
        let definition = JSONDocument(parsing: try Self.definitionText(stream.definition)) ?? .null
        let document: JSONDocument = [
            "version": .whole(stream.version), "updated_at": .time(stream.updatedAt),
            "members": .array(members.map { ["version": .whole($0.version), "members": .whole($0.members)] }),
            "definition": definition,
        ]
        return Shown(model: StreamDetails(stream: stream, members: members), document: document)
    }

    /// A definition as `streams show --json` has always written it (JSONEncoder, pretty, sorted).
    public static func definitionText(_ definition: StreamDefinition) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(definition)
    }

    /// Validates and stores the streams of one YAML or JSON document (one stream, or
    /// `{streams: [...]}`), all or none, in one transaction. A bad document is `invalid`, its
    /// message naming the stream and field, and nothing is stored.
    public func apply(document data: Data, on database: PGConnection) async throws -> StreamApplyResult {
        let store = StreamStore(schema: schema)
        let outcomes: [(name: String, outcome: StreamApplyOutcome)]
        do {
            outcomes = try await database.withTransaction { try store.apply(data, on: $0) }
        } catch let error as StreamError {
            throw OperationError.invalid(
                "\(error); the stored streams are unchanged", field: error.field.isEmpty ? nil : error.field)
        }
        return DocumentApplyResult(kind: "stream", outcomes: outcomes, createdVersion: false)
    }
}
