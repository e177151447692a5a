// A Segment message's fields by name, with typed, bounded readers whose refusals name the field.
import EbbflowCore
import Foundation

/// Why a message cannot be used, and which field: a batch reports it as the message's
/// rejection, a single-message endpoint as the request's `IngestError.malformed`.
struct MessageProblem: Error, Equatable {
    var reason: String
    var field: String?

    init(_ reason: String, field: String?) {
        self.reason = reason
        self.field = field
    }
}

/// The members of one JSON object (a message, its `properties`, its `traits`), where a `null`
/// member counts as absent, as Segment's libraries write it. `path` prefixes field names in
/// refusals (`properties.url`).
struct SegmentFields {
    let members: [String: JSONValue]
    /// Every key as written, `null` members too: an unknown key is refused even when null.
    let keys: [String]
    let path: String

    init(_ members: [String: JSONValue], path: String = "") {
        self.members = members.filter { $0.value != .null }
        keys = Array(members.keys)
        self.path = path
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    subscript(_ key: String) -> JSONValue? { members[key] }

    /// Keys not among `known`, sorted.
    func unknownKeys(_ known: Set<String>) -> [String] { keys.filter { !known.contains($0) }.sorted() }

    /// A string, if given: at most `maxBytes` long, with no NUL.
    func text(_ key: String, maxBytes: Int = .max) throws(MessageProblem) -> String? {
        guard let value = members[key] else { return nil }
        guard case .string(let text) = value else {
            throw MessageProblem("\(name(key)) must be a string", field: name(key))
        }
        if text.utf8.contains(0) { throw MessageProblem("\(name(key)) contains a NUL byte", field: name(key)) }
        if text.utf8.count > maxBytes {
            throw MessageProblem(
                "\(name(key)) is \(text.utf8.count) bytes long, at most \(maxBytes) are accepted", field: name(key))
        }
        return text
    }

    /// A string that must be given and not empty.
    func required(_ key: String, maxBytes: Int = .max) throws(MessageProblem) -> String {
        guard let text = try text(key, maxBytes: maxBytes), !text.isEmpty else {
            throw MessageProblem("\(name(key)) is missing", field: name(key))
        }
        return text
    }

    /// A time with its zone (ISO 8601, as every Segment timestamp), if given.
    func time(_ key: String) throws(MessageProblem) -> Date? {
        guard let text = try text(key, maxBytes: 64) else { return nil }
        guard let date = ISO8601Text.parse(text) else {
            throw MessageProblem(
                "\(name(key)) \"\(text)\" is not an ISO 8601 time with its zone, such as 2026-01-01T09:00:00Z",
                field: name(key))
        }
        return date
    }

    /// A JSON object, if given; with `storable` every key and string inside is checked for NUL
    /// (jsonb holds none, and one would make the server refuse the whole transaction).
    func object(_ key: String, storable: Bool = false) throws(MessageProblem) -> [String: JSONValue]? {
        guard let value = members[key] else { return nil }
        guard case .object(let object) = value else {
            throw MessageProblem("\(name(key)) must be a JSON object", field: name(key))
        }
        if storable, let inner = Self.nulPath(in: value) {
            let field = inner.isEmpty ? name(key) : "\(name(key)).\(inner)"
            throw MessageProblem("\(field) contains a NUL byte", field: field)
        }
        return object
    }

    /// The path of the first key or string holding a NUL inside `value`, "" for `value` itself.
    static func nulPath(in value: JSONValue) -> String? {
        switch value {
        case .string(let text): return text.utf8.contains(0) ? "" : nil
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let inner = nulPath(in: item) { return inner.isEmpty ? "[\(index)]" : "[\(index)].\(inner)" }
            }
            return nil
        case .object(let members):
            for key in members.keys.sorted() {
                if key.utf8.contains(0) { return "" }
                if let inner = nulPath(in: members[key]!) { return inner.isEmpty ? key : "\(key).\(inner)" }
            }
            return nil
        default: return nil
        }
    }
}
