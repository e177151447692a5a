// A document (policy, stream) as a tree of JSON values: what the strict decoder reads and the policy merge combines.
import Foundation

/// Why a tree of our own rather than `JSONDecoder`: `JSONDecoder` silently skips keys no type
/// asks for, so `cooldwn_days` or `evnt: signup` vanished without a word. Reading the document
/// into this tree first lets `DocumentDecoder` see every key the author wrote, and lets a
/// policy be merged key by key before it is decoded.
public enum DocumentValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case string(String)
    case list([DocumentValue])
    case object([String: DocumentValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([DocumentValue].self) {
            self = .list(value)
        } else {
            self = .object(try container.decode([String: DocumentValue].self))
        }
    }

    /// The tree of a JSON text (`DocumentText.json` makes one from YAML or JSON).
    public static func parse(json: Data) throws -> DocumentValue {
        try JSONDecoder().decode(DocumentValue.self, from: json)
    }

    /// The tree of an encodable value, e.g. the built-in policy the merge starts from.
    static func encoding(_ value: some Encodable) throws -> DocumentValue {
        try parse(json: JSONEncoder().encode(value))
    }

    /// `overlay` laid over `self`, key by key: where both are mappings each key merges on its
    /// own (so `points: {unsubscribe: 0}` adds one kind and keeps the others); anything else
    /// (a number, a list, a mapping over a non-mapping) is replaced whole by the overlay.
    func merged(with overlay: DocumentValue) -> DocumentValue {
        guard case .object(var base) = self, case .object(let top) = overlay else { return overlay }
        for (key, value) in top { base[key] = base[key].map { $0.merged(with: value) } ?? value }
        return .object(base)
    }

    /// The value of `key` when this is a mapping.
    subscript(key: String) -> DocumentValue? {
        guard case .object(let fields) = self else { return nil }
        return fields[key]
    }

    /// How the value reads in an error message: text quoted, anything else as written.
    var shown: String {
        switch self {
        case .null: "null"
        case .bool(let value): "\(value)"
        case .integer(let value): "\(value)"
        case .number(let value): "\(value)"
        case .string(let value): "\"\(value)\""
        case .list: "a list"
        case .object: "a mapping"
        }
    }
}
