// Reads import input (CSV with a header, or NDJSON) as a stream of numbered records, each decoded as the import's line type.
import Foundation

/// One input record by field name, every value as text: the line type of `RecordReader.read`,
/// for tests and tools that look at input without a kind of their own.
public struct InputRecord: Sendable, Decodable {
    public var line: Int
    public var fields: [String: String]
    /// Fields whose value is JSON (an NDJSON number, boolean, array or object), not a string.
    public var jsonFields: Set<String> = []

    public init(line: Int, fields: [String: String], jsonFields: Set<String> = []) {
        self.line = line
        self.fields = fields
        self.jsonFields = jsonFields
    }

    public init(from decoder: any Decoder) throws {
        let decoded = try ImportFields(decoder)
        line = 0
        fields = [:]
        for (name, value) in decoded.values {
            fields[name] = value.text
            if case .json = value { jsonFields.insert(name) }
        }
    }
}

/// A line that could not be used, with the reason; reported, never fatal for the other lines.
public struct RejectedLine: Sendable, Equatable, CustomStringConvertible, Error {
    public var line: Int
    public var reason: String
    public init(line: Int, reason: String) {
        self.line = line
        self.reason = reason
    }
    public var description: String { "line \(line): \(reason)" }
}

public enum InputFormat: String, Sendable {
    case csv, ndjson

    /// By file extension; nil when it does not tell.
    public static func guess(path: String) -> InputFormat? {
        let lower = path.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        if lower.hasSuffix(".ndjson") || lower.hasSuffix(".jsonl") { return .ndjson }
        return nil
    }
}

/// One record as read, before it is decoded: a CSV record's fields, or an NDJSON line's bytes
/// (valid UTF-8, not blank).
enum RawRecord {
    case csv(CSVHeader, [String])
    case json([UInt8])
}

/// What a record source yields: a record to decode or a rejected line, in input order.
enum RecordItem {
    case record(line: Int, RawRecord)
    case rejected(RejectedLine)
}

/// A stream of records; not Sendable: it is made, used and dropped on one thread.
protocol RecordSource: AnyObject {
    /// The next record or rejection; nil at the end.
    func next() throws -> RecordItem?
}

public enum RecordReader {
    /// A physical line longer than this is rejected (and cut, so memory stays bounded).
    public static let maxLineBytes = 1 << 20
    /// A CSV record (quoted line breaks included) longer than this ends the reading: only a
    /// missing closing quote makes one, and what follows it cannot be read reliably.
    public static let maxRecordBytes = 8 << 20

    /// Opens `source` as a stream of records. Throws `ImportError` for input with no usable
    /// header; every other problem is a rejection of its own line.
    static func open(_ source: ImportSource, format: InputFormat) throws -> any RecordSource {
        let lines = PhysicalLines(try source.open(), maxLineBytes: maxLineBytes)
        switch format {
        case .ndjson: return NDJSONRecords(lines)
        case .csv: return try CSVRecords(lines, maxRecordBytes: maxRecordBytes)
        }
    }

    /// Opens `source` as a stream of lines decoded as `Line` (see `ImportLines`).
    static func lines<Line: Decodable>(
        _ source: ImportSource, format: InputFormat, as: Line.Type,
        userInfo: [CodingUserInfoKey: any Sendable] = [:]
    ) throws -> ImportLines<Line> {
        ImportLines(try open(source, format: format), userInfo: userInfo)
    }

    /// Every record of `source` at once: for tests and small inputs only.
    public static func read(_ source: ImportSource, format: InputFormat) throws -> (
        records: [InputRecord], rejected: [RejectedLine]
    ) {
        let stream = try lines(source, format: format, as: InputRecord.self)
        var records: [InputRecord] = []
        var rejected: [RejectedLine] = []
        while let item = try stream.next() {
            switch item {
            case .line(let number, var record):
                record.line = number
                records.append(record)
            case .rejected(let line): rejected.append(line)
            }
        }
        return (records, rejected)
    }
}
