// One import line's fields by name, from a CSV record or an NDJSON object, with typed and bounded readers.
import EbbflowCore
import Foundation

/// Why a line cannot be used, thrown from a line type's `init(from:)`; the reader adds the line number.
struct LineProblem: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
}

/// Any field name: import lines take the columns or keys they are given.
struct ImportFieldKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.init(stringValue) }
    init?(intValue: Int) { nil }
}

/// One field's value: text (a CSV field, a JSON string) or another JSON value (an NDJSON
/// number, boolean, array or object).
enum ImportValue: Decodable {
    case text(String)
    case json(JSONValue)

    init(from decoder: any Decoder) throws {
        switch try JSONValue(from: decoder) {
        case .string(let text): self = .text(text)
        case let other: self = .json(other)
        }
    }

    /// The value as text, as a person would write it in a CSV column.
    var text: String {
        switch self {
        case .text(let text): text
        case .json(let value): value.fieldText
        }
    }
}

extension CodingUserInfoKey {
    /// Set (to true) by decoders of NDJSON: JSON escapes may spell a NUL that the text no longer shows.
    static let importJSON = CodingUserInfoKey(rawValue: "ebbflow.import.json")!
}

/// The fields of one line, by lowercased name (an absent or `null` field is missing). Checks
/// that hold for every field of every kind of line live here, so each line type states only
/// its own fields: keys distinct without regard to case, no NUL anywhere, numbers finite.
struct ImportFields {
    private(set) var values: [String: ImportValue] = [:]

    init(_ decoder: any Decoder) throws {
        if let record = decoder as? CSVRecordDecoder {
            // A CSV record's fields directly, as its keyed container would give them, without a
            // container box and a key lookup a field: this runs for every line of a CSV import.
            values.reserveCapacity(record.fields.count)
            for (name, field) in zip(record.header.names, record.fields) where !field.isEmpty {
                if field.utf8.contains(0) { throw LineProblem("\(name) contains a NUL byte") }
                values[name] = .text(field)
            }
            return
        }
        let container = try decoder.container(keyedBy: ImportFieldKey.self)
        let json = decoder.userInfo[.importJSON] as? Bool ?? false
        let keys = container.allKeys
        values.reserveCapacity(keys.count)
        // A CSV header's names are distinct already (CSVRecords refuses a repeated one).
        var seen = Set<String>()
        for key in keys {
            let raw = key.stringValue
            if raw.utf8.contains(0) { throw LineProblem("a key contains a NUL byte") }
            let name = json ? Self.trimmed(raw).lowercased() : raw
            if json {
                guard seen.insert(name).inserted else {
                    throw LineProblem("the key \"\(name)\" appears twice (keys match without regard to case)")
                }
            }
            let value: ImportValue
            do { value = try container.decode(ImportValue.self, forKey: key) } catch is JSONValue.OutOfRange {
                throw LineProblem("\(name) is not a finite number")
            }
            if case .json(.null) = value { continue }
            let text = value.text
            if text.utf8.contains(0) || (json && text.contains("\\u0000")) {
                throw LineProblem("\(name) contains a NUL byte")
            }
            values[name] = value
        }
    }

    /// `key` without surrounding white space (Unicode's, as a CSV header's names): Foundation's
    /// trimming costs about a microsecond a call on Linux, so a key that starts and ends with
    /// a visible ASCII character, as nearly all do, is taken as it is.
    static func trimmed(_ key: String) -> String {
        guard let first = key.utf8.first, let last = key.utf8.last,
            first > 0x20, first < 0x80, last > 0x20, last < 0x80
        else { return key.trimmingCharacters(in: .whitespaces) }
        return key
    }

    /// Field names that are not among `known`, sorted.
    func names(notIn known: (String) -> Bool) -> [String] {
        values.keys.filter { !known($0) }.sorted()
    }

    subscript(_ name: String) -> ImportValue? { values[name] }

    /// The field's text, if given.
    func text(_ name: String) -> String? { values[name]?.text }

    /// The field's text, if given, at most `maxBytes` long.
    func text(_ name: String, maxBytes: Int) throws -> String? {
        guard let text = text(name) else { return nil }
        if text.utf8.count > maxBytes {
            throw LineProblem("\(name) is \(text.utf8.count) bytes long, at most \(maxBytes) are accepted")
        }
        return text
    }

    /// The field's text, which must be given, not empty, and at most `maxBytes` long.
    func required(_ name: String, maxBytes: Int = .max) throws -> String {
        guard let given = text(name), !given.isEmpty else { throw LineProblem("\(name) is missing") }
        return try text(name, maxBytes: maxBytes) ?? given
    }

    /// A time with its zone (RFC 3339), if given.
    func time(_ name: String) throws -> Date? {
        guard let text = text(name) else { return nil }
        guard let date = ISO8601Text.parse(text) else {
            throw LineProblem("\(name) \"\(text)\" is not an ISO 8601 time with its zone, such as 2026-01-01T09:00:00Z")
        }
        return date
    }

    /// true, false, 1 or 0 (any case), if given.
    func flag(_ name: String) throws -> Bool? {
        guard let text = text(name) else { return nil }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw LineProblem("\(name) \"\(text)\" is not true or false")
        }
    }

    /// One of `Value`'s cases by raw value, if given.
    func choice<Value: RawRepresentable & CaseIterable>(_ name: String, _: Value.Type) throws -> Value?
    where Value.RawValue == String {
        guard let text = text(name) else { return nil }
        guard let value = Value(rawValue: text) else {
            throw LineProblem(
                "\(name) \"\(text)\" is not one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }

    /// A number within `range`, if given; the bound's message names the field and the text.
    func number(_ name: String, in range: ClosedRange<Double>) throws -> Double? {
        try bounded(name, notA: "a number", { Double($0) }) { value throws(BoundError) in
            try InputBounds.number(value, field: name, in: range)
        }
    }

    /// A whole number within `range`, if given.
    func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        try bounded(name, notA: "a whole number", { Int($0) }) { value throws(BoundError) in
            try InputBounds.integer(value, field: name, in: range)
        }
    }

    private func bounded<Value>(
        _ name: String, notA kind: String, _ parse: (String) -> Value?,
        _ check: (Value) throws(BoundError) -> Value
    ) throws -> Value? {
        guard let text = text(name) else { return nil }
        do throws(BoundError) {
            guard let value = parse(text) else { throw BoundError(field: name, value: "", bound: "is not \(kind)") }
            return try check(value)
        } catch {
            throw LineProblem(BoundError(field: error.field, value: "\"\(text)\"", bound: error.bound).description)
        }
    }

    /// A JSON object (given as an object, or as text holding one), if given.
    func object(_ name: String) throws -> [String: JSONValue]? {
        switch values[name] {
        case nil: return nil
        case .json(.object(let members)): return members
        case .json: throw LineProblem("\(name) is not a JSON object")
        case .text(let text):
            do {
                guard let members = try JSONValue.parseObject(text) else {
                    throw LineProblem("\(name) is not a JSON object")
                }
                // The decoder keeps one value of a key written twice without a word.
                if let (key, path) = JSONDuplicateKeys.first(in: Array(text.utf8)) {
                    throw LineProblem("the key \"\(key)\" appears twice in \(path.isEmpty ? name : "\(name).\(path)")")
                }
                return members
            } catch is JSONValue.OutOfRange {
                throw LineProblem("\(name) is not valid JSON (a number out of range?)")
            } catch let problem as LineProblem {
                throw problem
            } catch {
                throw LineProblem("\(name) is not a JSON object")
            }
        }
    }
}
