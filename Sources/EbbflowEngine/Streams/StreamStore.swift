// The stored streams: a document applied whole or not at all, listed, and shown.
import EbbflowCore
import Foundation
import Logging
import PostgresClient
import Synchronization

/// One stored stream.
public typealias StoredStream = StoredVersion<StreamDefinition>

/// A stored stream today's rules refuse (written before a bound existed): not run, and shown
/// by `streams list` and `streams show` with the reason, until `streams apply` replaces it.
public struct BrokenStream: Sendable {
    public var name: String
    public var version: Int
    public var problem: String
}

/// What applying a document did to one stream.
public typealias StreamApplyOutcome = VersionedApplyOutcome

public struct StreamStore: Sendable {
    let schema: SchemaName
    var sql: StreamSQL { StreamSQL(schema: schema) }

    public init(schema: SchemaName) { self.schema = schema }

    /// Validates every stream of `data` against the kinds the stored policy names, then writes
    /// them all in the caller's transaction. A bad field throws `StreamError` before anything is
    /// written, so the stored streams stay as they were.
    public func apply(_ data: Data, on connection: isolated PGConnection) throws -> [(
        name: String, outcome: StreamApplyOutcome
    )] {
        let policy = try PolicyStore(schema: schema).load(on: connection)
        let streams = try StreamDefinition.parse(data, knownKinds: policy.acceptedEventKinds)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try VersionedDocuments(schema: schema).apply(
            streams, name: \.name, upsert: sql.upsert,
            bindings: { stream, now in
                let json = String(decoding: try encoder.encode(stream), as: UTF8.self)
                return [stream.name, stream.mode.rawValue, stream.priority, json, now]
            }, on: connection)
    }

    /// The streams that run. A stored stream that no longer passes today's bounds is left out
    /// (and logged once): it must not fail event application for every contact.
    public func list(on connection: isolated PGConnection) throws -> [StoredStream] {
        try listChecked(on: connection).streams
    }

    /// The streams that run, and those left out with why, for `streams list`.
    public func listChecked(on connection: isolated PGConnection) throws -> (
        streams: [StoredStream], broken: [BrokenStream]
    ) {
        var streams: [StoredStream] = [], broken: [BrokenStream] = []
        for row in try connection.query(sql.list).rows {
            switch try Self.stored(row) {
            case .success(let stream): streams.append(stream)
            case .failure(let problem): broken.append(problem)
            }
        }
        return (streams, broken)
    }

    /// One stored stream, or why it does not run; nil when no stream has that name.
    public func find(_ name: String, on connection: isolated PGConnection) throws -> Result<StoredStream, BrokenStream>?
    {
        try connection.query(sql.find, [name]).rows.first.map(Self.stored)
    }

    /// How many contacts are in the stream, per version they follow (newest first): after an
    /// edit, the older versions drain as their members finish.
    public func membersByVersion(_ name: String, on connection: isolated PGConnection) throws -> [(
        version: Int, members: Int
    )] {
        try connection.query(sql.membersByVersion, [name]).rows.map {
            (try $0.decode("version"), try $0.decode("members"))
        }
    }

    /// Version `version` of a stream's definition, the one its members entered; nil if unknown.
    public func definition(_ name: String, version: Int, on connection: isolated PGConnection) throws
        -> StreamDefinition?
    {
        guard
            let json: PGJSON = try connection.query(sql.versionDefinition, [name, version]).first?.decode("definition")
        else { return nil }
        guard case .success(let definition) = Self.checked(json.bytes) else { return nil }
        return definition
    }

    private static let logger = Logger(label: "ebbflow.streams")
    /// The refusals already logged, so a broken stream is reported once per process, not per job.
    private static let logged = Mutex<Set<String>>([])

    private static func stored(_ row: PGRow) throws -> Result<StoredStream, BrokenStream> {
        let json: PGJSON = try row.decode("definition")
        let name: String = try row.decode("name"), version: Int = try row.decode("version")
        switch checked(json.bytes) {
        case .success(let definition):
            return .success(try StoredStream(definition, row: row))
        case .failure(let error):
            let problem = "\(error.description); it does not run until ebbflow streams apply corrects it"
            if logged.withLock({ $0.insert("\(name) \(version) \(problem)").inserted }) {
                logger.error("stream \(name) version \(version) is not run: \(problem)")
            }
            return .failure(BrokenStream(name: name, version: version, problem: problem))
        }
    }

    /// A stored definition decoded and checked against today's bounds. Why at load: stored
    /// streams were once read without a check, so an old `reentry_after: 99999999999d` reached
    /// the runtime's date arithmetic.
    private static func checked(_ json: Data) -> Result<StreamDefinition, StoredStreamError> {
        let definition: StreamDefinition
        do {
            definition = try JSONDecoder().decode(StreamDefinition.self, from: json)
        } catch {
            return .failure(
                StoredStreamError(description: "the stored definition does not decode: \(DocumentText.oneLine(error))"))
        }
        if let problem = definition.storedBoundsProblem() { return .failure(StoredStreamError(description: problem)) }
        return .success(definition)
    }
}

/// Why a stored stream definition does not run.
struct StoredStreamError: Error, CustomStringConvertible {
    var description: String
}

extension BrokenStream: Error {}
