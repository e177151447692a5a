// Reads import files (CSV with a header, or NDJSON) into records by field name, with line numbers.
import Foundation

/// One input record: its 1-based line and its fields by name (absent fields are missing).
public struct InputRecord: Sendable {
    public var line: Int
    public var fields: [String: String]
}

/// A line that could not be read, with the reason; reported, never fatal for the other lines.
public struct RejectedLine: Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String
    public var description: String { "line \(line): \(reason)" }
}

public enum InputFormat: String, Sendable {
    case csv, ndjson

    /// By file extension; nil when it does not tell.
    public static func guess(path: String) -> InputFormat? {
        if path.hasSuffix(".csv") { return .csv }
        if path.hasSuffix(".ndjson") || path.hasSuffix(".jsonl") { return .ndjson }
        return nil
    }
}

public enum RecordReader {
    /// Splits `text` into records; bad lines become rejections, good lines still count.
    public static func read(_ text: String, format: InputFormat) -> (records: [InputRecord], rejected: [RejectedLine]) {
        var records: [InputRecord] = []
        var rejected: [RejectedLine] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        switch format {
        case .ndjson:
            for (index, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                    rejected.append(RejectedLine(line: index + 1, reason: "not a JSON object"))
                    continue
                }
                var fields: [String: String] = [:]
                for (key, value) in object {
                    switch value {
                    case let string as String: fields[key] = string
                    case is NSNull: continue
                    case let number as NSNumber:
                        fields[key] = CFBooleanish.isBool(number) ? (number.boolValue ? "true" : "false") : number.stringValue
                    default:
                        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]) {
                            fields[key] = String(decoding: data, as: UTF8.self)
                        }
                    }
                }
                records.append(InputRecord(line: index + 1, fields: fields))
            }
        case .csv:
            guard let headerLine = lines.first else { return ([], []) }
            guard case .success(let header) = parseCSVLine(String(headerLine)) else {
                return ([], [RejectedLine(line: 1, reason: "the header is not valid CSV")])
            }
            for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
                switch parseCSVLine(String(line)) {
                case .failure(let reason):
                    rejected.append(RejectedLine(line: index + 1, reason: reason.description))
                case .success(let values):
                    guard values.count == header.count else {
                        rejected.append(RejectedLine(line: index + 1, reason: "\(values.count) fields, the header has \(header.count)"))
                        continue
                    }
                    var fields: [String: String] = [:]
                    for (name, value) in zip(header, values) where !value.isEmpty { fields[name] = value }
                    records.append(InputRecord(line: index + 1, fields: fields))
                }
            }
        }
        return (records, rejected)
    }

    struct CSVError: Error, CustomStringConvertible { var description: String }

    /// RFC 4180 fields on one line: commas, quoted fields, doubled quotes inside quotes.
    static func parseCSVLine(_ line: String) -> Result<[String], CSVError> {
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var index = line.startIndex
        while index < line.endIndex {
            let character = line[index]
            if inQuotes {
                if character == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex && line[next] == "\"" {
                        field.append("\"")
                        index = next
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "," {
                fields.append(field)
                field = ""
            } else if character == "\"" && field.isEmpty {
                inQuotes = true
            } else {
                field.append(character)
            }
            index = line.index(after: index)
        }
        if inQuotes { return .failure(CSVError(description: "unterminated quoted field")) }
        fields.append(field)
        return .success(fields.map { $0.trimmingCharacters(in: .whitespaces) })
    }
}

/// Tells JSON booleans from numbers (both arrive as NSNumber).
enum CFBooleanish {
    static func isBool(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c" && (number == NSNumber(value: true) || number == NSNumber(value: false))
    }
}
