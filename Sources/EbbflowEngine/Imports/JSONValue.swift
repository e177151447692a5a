// Any JSON value an import line may carry (an NDJSON number or object, an attributes column), decoded and written back.
import Foundation

/// A JSON value as decoded, so an import keeps a number a number and an object an object
/// without Foundation's untyped `Any` (and its NSNumber booleans).
indirect enum JSONValue: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    /// A whole number past Int64 (a 30-digit id), kept digit for digit: as a Double two such
    /// ids could write the same text.
    case decimal(Decimal)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A number JSON can write but a Double cannot hold (`1e400`): jsonb would refuse it.
    struct OutOfRange: Error {}

    /// Why this order: JSONDecoder can only say what a value is by failing to decode it as
    /// something else, and each failure builds an error, so the common kinds go first (text,
    /// then numbers, read as Double unless too large to be exact, then as Int64 or Decimal). An import decodes every
    /// field this way.
    init(from decoder: any Decoder) throws {
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            self = .null
        } else if let text = try? single.decode(String.self) {
            self = .string(text)
        } else if let number = try? single.decode(Double.self) {
            guard number.isFinite else { throw OutOfRange() }
            // Whole numbers past 2^53 lose digits as a Double: those are read again as Int64.
            if abs(number) >= 9_007_199_254_740_992, let whole = try? single.decode(Int64.self) {
                self = .integer(whole)
            } else if abs(number) >= 9_007_199_254_740_992, let exact = try? single.decode(Decimal.self),
                exact.isFinite, exact.exponent >= 0
            {
                self = .decimal(exact)
            } else {
                self = .number(number)
            }
        } else if let flag = try? single.decode(Bool.self) {
            self = .bool(flag)
        } else if let members = try? single.decode([String: JSONValue].self) {
            self = .object(members)
        } else if let items = try? single.decode([JSONValue].self) {
            self = .array(items)
        } else {
            // Only a number too large for a Double is left: every other JSON value decoded above.
            throw OutOfRange()
        }
    }

    /// One decoder for every `parse`: making one costs more than a small document's decoding.
    private static let decoder = JSONDecoder()

    /// Parses `text` as a JSON object; nil for other JSON, `OutOfRange` for a number no Double
    /// holds, `DecodingError` for text that is not JSON.
    static func parseObject(_ text: String) throws -> [String: JSONValue]? {
        let data = Data(text.utf8)
        if let members = try? decoder.decode([String: JSONValue].self, from: data) { return members }
        if case .object(let members) = try decoder.decode(JSONValue.self, from: data) { return members }
        return nil
    }

    /// The value's text as a field: a string as it is, anything else as JSON.
    var fieldText: String {
        if case .string(let text) = self { return text }
        var out = ""
        write(to: &out)
        return out
    }

    /// Compact JSON with object keys sorted, so the same value always writes the same text.
    func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .integer(let whole): out += String(whole)
        case .decimal(let whole): out += whole.description
        case .number(let number):
            // A whole Double writes without ".0", as JSON writers (and NSNumber) do.
            if number == number.rounded(), abs(number) < 1e15 {
                out += String(Int64(number))
            } else {
                out += "\(number)"
            }
        case .string(let text): out += JSONText.quoted(text)
        case .array(let items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                out += JSONText.quoted(key)
                out += ":"
                members[key]!.write(to: &out)
            }
            out += "}"
        }
    }
}

/// JSON string literals, written by hand for the hot path of imports.
enum JSONText {
    /// `text` as a JSON string: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
