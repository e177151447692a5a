// The one document type every operation returns: a Sendable JSON value that prints as the CLI's `--json` always has.
import Foundation

/// A JSON value built by an operation and printed by either front door (the CLI's `--json`,
/// the HTTP API's bodies). It is Sendable, unlike the `[String: Any]` the commands built inline,
/// so an operation can hand it across the connection's thread; and it prints through the same
/// `JSONSerialization` call with the same options the CLI used, so no script or test sees a
/// changed byte (key order, escaping, number format).
public indirect enum JSONDocument: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    /// A number `JSONSerialization` read as a decimal (a whole number past Int64, and Int64's
    /// minimum): kept digit for digit, as the CLI printed it.
    case decimal(Decimal)
    case string(String)
    case array([JSONDocument])
    case object([String: JSONDocument])

    /// Pretty, key-sorted JSON, slashes unescaped: exactly what `Output.json` printed.
    public func encoded() throws -> String {
        let data = try JSONSerialization.data(
            withJSONObject: foundationValue,
            options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        return String(decoding: data, as: UTF8.self)
    }

    /// The same text as UTF-8 bytes, for an HTTP body.
    public func encodedData() throws -> Data { Data(try encoded().utf8) }

    /// A time as the CLI prints it (RFC 3339, proleptic Gregorian, as stored), or null.
    public static func time(_ date: Date?) -> JSONDocument { date.map { .string(OperationTime.text($0)) } ?? .null }

    /// A string, or null.
    public static func text(_ text: String?) -> JSONDocument { text.map { .string($0) } ?? .null }

    /// A whole number, or null.
    public static func whole(_ value: Int?) -> JSONDocument { value.map { .integer(Int64($0)) } ?? .null }

    /// The native values `JSONSerialization` prints: the types the commands put in their dictionaries.
    var foundationValue: Any {
        switch self {
        case .null: NSNull()
        case .bool(let value): value
        case .integer(let value): value
        case .number(let value): value
        case .decimal(let value): NSDecimalNumber(decimal: value)
        case .string(let value): value
        case .array(let values): values.map(\.foundationValue)
        case .object(let members): members.mapValues(\.foundationValue)
        }
    }
}

extension JSONDocument {
    /// A member of an object; nil for a missing key or a value that is not an object.
    public subscript(key: String) -> JSONDocument? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// A number of either kind as a Double.
    public var doubleValue: Double? {
        switch self {
        case .number(let value): value
        case .integer(let value): Double(value)
        case .decimal(let value): NSDecimalNumber(decimal: value).doubleValue
        default: nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONDocument]? {
        if case .array(let values) = self { return values }
        return nil
    }
}

extension JSONDocument: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(arrayLiteral elements: JSONDocument...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, JSONDocument)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
