// The stored streams: a document applied whole or not at all, listed, and shown.
import EbbflowCore
import Foundation
import PostgresClient

/// One stored stream.
public struct StoredStream: Sendable {
    public var definition: StreamDefinition
    public var version: Int
    public var updatedAt: Date
}

/// What applying a document did to one stream.
public enum StreamApplyOutcome: Sendable, Equatable {
    case created
    case updated(version: Int)
    case unchanged
}

public struct StreamStore: Sendable {
    let schema: SchemaName
    var sql: StreamSQL { StreamSQL(schema: schema) }

    public init(schema: SchemaName) { self.schema = schema }

    /// Validates every stream of `data` against the kinds the stored policy names, then writes
    /// them all in the caller's transaction. A bad field throws `StreamError` before anything is
    /// written, so the stored streams stay as they were.
    public func apply(_ data: Data, on connection: isolated PGConnection) throws -> [(name: String, outcome: StreamApplyOutcome)] {
        let policy = try PolicyStore(schema: schema).load(on: connection)
        let streams = try StreamDefinition.parse(data, knownKinds: policy.acceptedEventKinds)
        let now = try DatabaseClock(schema: schema).now(on: connection)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try streams.map { stream in
            let json = String(decoding: try encoder.encode(stream), as: UTF8.self)
            guard let row = try connection.query(sql.upsert, [stream.name, stream.mode.rawValue, stream.priority, json, now]).first else {
                return (stream.name, .unchanged)
            }
            let created: Bool = try row.decode("created")
            return (stream.name, created ? .created : .updated(version: try row.decode("version")))
        }
    }

    public func list(on connection: isolated PGConnection) throws -> [StoredStream] {
        try connection.query(sql.list).rows.map(Self.stored)
    }

    public func find(_ name: String, on connection: isolated PGConnection) throws -> StoredStream? {
        try connection.query(sql.find, [name]).rows.first.map(Self.stored)
    }

    /// How many contacts are in the stream, per version they follow (newest first): after an
    /// edit, the older versions drain as their members finish.
    public func membersByVersion(_ name: String, on connection: isolated PGConnection) throws -> [(version: Int, members: Int)] {
        try connection.query(sql.membersByVersion, [name]).rows.map { (try $0.decode("version"), try $0.decode("members")) }
    }

    /// Version `version` of a stream's definition, the one its members entered; nil if unknown.
    public func definition(_ name: String, version: Int, on connection: isolated PGConnection) throws -> StreamDefinition? {
        guard let json: PGJSON = try connection.query(sql.versionDefinition, [name, version]).first?.decode("definition") else { return nil }
        return try JSONDecoder().decode(StreamDefinition.self, from: json.bytes)
    }

    private static func stored(_ row: PGRow) throws -> StoredStream {
        let json: PGJSON = try row.decode("definition")
        return StoredStream(definition: try JSONDecoder().decode(StreamDefinition.self, from: json.bytes),
                            version: try row.decode("version"), updatedAt: try row.decode("updated_at"))
    }
}
