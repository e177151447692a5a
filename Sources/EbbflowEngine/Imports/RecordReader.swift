// Reads import input (CSV with a header, or NDJSON) as a stream of records by field name, with line numbers.
import Foundation

/// One input record: the line it starts on and its fields by lowercased name (absent: missing).
public struct InputRecord: Sendable {
    public var line: Int
    public var fields: [String: String]
    /// Fields whose text is JSON (an NDJSON number, boolean, array or object), not a string.
    public var jsonFields: Set<String> = []

    public init(line: Int, fields: [String: String], jsonFields: Set<String> = []) {
        self.line = line
        self.fields = fields
        self.jsonFields = jsonFields
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

/// What a record source yields: a usable record or a rejected line, in input order.
enum RecordItem {
    case record(InputRecord)
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

    /// Every record of `source` at once: for tests and small inputs only.
    public static func read(_ source: ImportSource, format: InputFormat) throws -> (records: [InputRecord], rejected: [RejectedLine]) {
        let stream = try open(source, format: format)
        var records: [InputRecord] = []
        var rejected: [RejectedLine] = []
        while let item = try stream.next() {
            switch item {
            case .record(let record): records.append(record)
            case .rejected(let line): rejected.append(line)
            }
        }
        return (records, rejected)
    }

    /// The reason a field's text cannot be stored, if any: PostgreSQL text holds no NUL.
    static func textProblem(_ name: String, _ value: String) -> String? {
        value.utf8.contains(0) ? "\(name) contains a NUL byte" : nil
    }
}
