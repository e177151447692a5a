// Binding Swift values as statement parameters: each type says its PostgreSQL type and wire format.
import Foundation

/// The wire format of a parameter.
public enum PGFormat: Int32, Sendable {
    case text = 0
    case binary = 1
}

/// A Swift value that can be bound to a `$n` parameter.
///
/// Numbers, dates, UUIDs, bytea, JSON and arrays go in binary with their exact type, so the
/// server parses nothing. `String` goes as text with no declared type (OID 0), so the server
/// infers it from context: the same `$1` then works against `text`, an enum, or `$1::jsonb`.
public protocol PGEncodable: Sendable {
    /// The parameter's type OID, or 0 to let the server infer it.
    var pgType: UInt32 { get }
    var pgFormat: PGFormat { get }
    /// Appends the value's bytes in `pgFormat` (text values without a terminating NUL).
    ///
    /// Throws instead of trapping when the value has no PostgreSQL form (a `Date` past year
    /// 294276, text with a NUL byte): a trap here killed every worker that claimed such a job.
    /// Typed, so the hot path boxes no error and allocates nothing per parameter.
    func encode(into buffer: inout [UInt8]) throws(PGEncodingFailure)
}

/// Why a value could not be bound; `EncodedParameters` turns it into a `PGError` of kind
/// `.encoding` naming the parameter. The reason never quotes the value: it may be a secret.
public struct PGEncodingFailure: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// A statement's parameters: `nil` is SQL NULL.
public typealias PGBindings = [(any PGEncodable)?]

extension FixedWidthInteger {
    @inline(__always)
    func appendBigEndian(to buffer: inout [UInt8]) {
        withUnsafeBytes(of: self.bigEndian) { buffer.append(contentsOf: $0) }
    }
}

extension Int: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.int8 }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) throws(PGEncodingFailure) {
        Int64(self).appendBigEndian(to: &buffer)
    }
}

extension Int64: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.int8 }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) throws(PGEncodingFailure) { appendBigEndian(to: &buffer) }
}

extension Int32: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.int4 }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) throws(PGEncodingFailure) { appendBigEndian(to: &buffer) }
}

extension Int16: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.int2 }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) throws(PGEncodingFailure) { appendBigEndian(to: &buffer) }
}

extension Double: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.float8 }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) throws(PGEncodingFailure) { bitPattern.appendBigEndian(to: &buffer) }
}

extension Bool: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.bool }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) throws(PGEncodingFailure) { buffer.append(self ? 1 : 0) }
}

extension String: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.unspecified }
    public var pgFormat: PGFormat { .text }
    public func encode(into buffer: inout [UInt8]) throws(PGEncodingFailure) { try PGText.append(utf8, to: &buffer) }
}

extension Substring: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.unspecified }
    public var pgFormat: PGFormat { .text }
    public func encode(into buffer: inout [UInt8]) throws(PGEncodingFailure) { try PGText.append(utf8, to: &buffer) }
}

extension Date: PGEncodable {
    /// Microseconds since 2000-01-01 UTC, rounded to the nearest microsecond; a time outside
    /// PostgreSQL's range throws (see `PGTimestamp`).
    public var pgType: UInt32 { PGTypeOID.timestamptz }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) throws(PGEncodingFailure) {
        try PGTimestamp.microseconds(self).appendBigEndian(to: &buffer)
    }
}

extension UUID: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.uuid }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) throws(PGEncodingFailure) {
        withUnsafeBytes(of: uuid) { buffer.append(contentsOf: $0) }
    }
}

extension Data: PGEncodable {
    /// `bytea`, sent raw: no hex or escape encoding on the way in.
    public var pgType: UInt32 { PGTypeOID.bytea }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) throws(PGEncodingFailure) { buffer.append(contentsOf: self) }
}

extension Array: PGEncodable where Element: PGArrayElement {
    public var pgType: UInt32 { Element.arrayType }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) throws(PGEncodingFailure) {
        try PGArrayCoding.encode(self, elementType: Element.elementType, into: &buffer) {
            (item, out) throws(PGEncodingFailure) in
            try item.encodeElement(into: &out)
        } isNull: {
            $0.isNullElement
        }
    }
}

/// Element types of the arrays that can be bound (`= ANY($1)` over ids or keys).
public protocol PGArrayElement: Sendable {
    static var elementType: UInt32 { get }
    static var arrayType: UInt32 { get }
    func encodeElement(into buffer: inout [UInt8]) throws(PGEncodingFailure)
    /// True for a `nil` element, sent as SQL NULL.
    var isNullElement: Bool { get }
}

extension PGArrayElement {
    public var isNullElement: Bool { false }
}

extension Optional: PGArrayElement where Wrapped: PGArrayElement {
    public static var elementType: UInt32 { Wrapped.elementType }
    public static var arrayType: UInt32 { Wrapped.arrayType }
    public func encodeElement(into buffer: inout [UInt8]) throws(PGEncodingFailure) {
        try self?.encodeElement(into: &buffer)
    }
    public var isNullElement: Bool { self == nil }
}

extension Double: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.float8 }
    public static var arrayType: UInt32 { PGTypeOID.float8Array }
    public func encodeElement(into buffer: inout [UInt8]) throws(PGEncodingFailure) { try encode(into: &buffer) }
}

extension Int64: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.int8 }
    public static var arrayType: UInt32 { PGTypeOID.int8Array }
    public func encodeElement(into buffer: inout [UInt8]) throws(PGEncodingFailure) { try encode(into: &buffer) }
}

extension Int: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.int8 }
    public static var arrayType: UInt32 { PGTypeOID.int8Array }
    public func encodeElement(into buffer: inout [UInt8]) throws(PGEncodingFailure) { try encode(into: &buffer) }
}

extension String: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.text }
    public static var arrayType: UInt32 { PGTypeOID.textArray }
    public func encodeElement(into buffer: inout [UInt8]) throws(PGEncodingFailure) { try encode(into: &buffer) }
}

extension Int32: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.int4 }
    public static var arrayType: UInt32 { PGTypeOID.int4Array }
    public func encodeElement(into buffer: inout [UInt8]) throws(PGEncodingFailure) { try encode(into: &buffer) }
}

extension Bool: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.bool }
    public static var arrayType: UInt32 { PGTypeOID.boolArray }
    public func encodeElement(into buffer: inout [UInt8]) throws(PGEncodingFailure) { try encode(into: &buffer) }
}

extension Date: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.timestamptz }
    public static var arrayType: UInt32 { PGTypeOID.timestamptzArray }
    public func encodeElement(into buffer: inout [UInt8]) throws(PGEncodingFailure) { try encode(into: &buffer) }
}

extension UUID: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.uuid }
    public static var arrayType: UInt32 { PGTypeOID.uuidArray }
    public func encodeElement(into buffer: inout [UInt8]) throws(PGEncodingFailure) { try encode(into: &buffer) }
}
