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
    func encode(into buffer: inout [UInt8])
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
    public func encode(into buffer: inout [UInt8]) { Int64(self).appendBigEndian(to: &buffer) }
}

extension Int64: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.int8 }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) { appendBigEndian(to: &buffer) }
}

extension Int32: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.int4 }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) { appendBigEndian(to: &buffer) }
}

extension Int16: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.int2 }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) { appendBigEndian(to: &buffer) }
}

extension Double: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.float8 }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) { bitPattern.appendBigEndian(to: &buffer) }
}

extension Bool: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.bool }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) { buffer.append(self ? 1 : 0) }
}

extension String: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.unspecified }
    public var pgFormat: PGFormat { .text }
    public func encode(into buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
}

extension Substring: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.unspecified }
    public var pgFormat: PGFormat { .text }
    public func encode(into buffer: inout [UInt8]) { buffer.append(contentsOf: utf8) }
}

extension Date: PGEncodable {
    /// Microseconds since 2000-01-01 UTC, rounded to the nearest microsecond.
    public var pgType: UInt32 { PGTypeOID.timestamptz }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) {
        let micros: Int64
        if self == .distantFuture {
            micros = Int64.max
        } else if self == .distantPast {
            micros = Int64.min
        } else {
            let seconds = timeIntervalSince1970.rounded(.down)
            let fraction = ((timeIntervalSince1970 - seconds) * 1e6).rounded()
            micros = (Int64(seconds) - postgresEpochUnixSeconds) * 1_000_000 + Int64(fraction)
        }
        micros.appendBigEndian(to: &buffer)
    }
}

extension UUID: PGEncodable {
    public var pgType: UInt32 { PGTypeOID.uuid }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) {
        withUnsafeBytes(of: uuid) { buffer.append(contentsOf: $0) }
    }
}

extension Data: PGEncodable {
    /// `bytea`, sent raw: no hex or escape encoding on the way in.
    public var pgType: UInt32 { PGTypeOID.bytea }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) { buffer.append(contentsOf: self) }
}

extension Array: PGEncodable where Element: PGArrayElement {
    public var pgType: UInt32 { Element.arrayType }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) {
        PGArrayCoding.encode(self, elementType: Element.elementType, into: &buffer) { item, out in
            item.encodeElement(into: &out)
        } isNull: { $0.isNullElement }
    }
}

/// Element types of the arrays that can be bound (`= ANY($1)` over ids or keys).
public protocol PGArrayElement: Sendable {
    static var elementType: UInt32 { get }
    static var arrayType: UInt32 { get }
    func encodeElement(into buffer: inout [UInt8])
    /// True for a `nil` element, sent as SQL NULL.
    var isNullElement: Bool { get }
}

extension PGArrayElement {
    public var isNullElement: Bool { false }
}

extension Optional: PGArrayElement where Wrapped: PGArrayElement {
    public static var elementType: UInt32 { Wrapped.elementType }
    public static var arrayType: UInt32 { Wrapped.arrayType }
    public func encodeElement(into buffer: inout [UInt8]) { self?.encodeElement(into: &buffer) }
    public var isNullElement: Bool { self == nil }
}

extension Double: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.float8 }
    public static var arrayType: UInt32 { PGTypeOID.float8Array }
    public func encodeElement(into buffer: inout [UInt8]) { encode(into: &buffer) }
}

extension Int64: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.int8 }
    public static var arrayType: UInt32 { PGTypeOID.int8Array }
    public func encodeElement(into buffer: inout [UInt8]) { encode(into: &buffer) }
}

extension Int: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.int8 }
    public static var arrayType: UInt32 { PGTypeOID.int8Array }
    public func encodeElement(into buffer: inout [UInt8]) { encode(into: &buffer) }
}

extension String: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.text }
    public static var arrayType: UInt32 { PGTypeOID.textArray }
    public func encodeElement(into buffer: inout [UInt8]) { encode(into: &buffer) }
}

extension Int32: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.int4 }
    public static var arrayType: UInt32 { PGTypeOID.int4Array }
    public func encodeElement(into buffer: inout [UInt8]) { encode(into: &buffer) }
}

extension Bool: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.bool }
    public static var arrayType: UInt32 { PGTypeOID.boolArray }
    public func encodeElement(into buffer: inout [UInt8]) { encode(into: &buffer) }
}

extension Date: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.timestamptz }
    public static var arrayType: UInt32 { PGTypeOID.timestamptzArray }
    public func encodeElement(into buffer: inout [UInt8]) { encode(into: &buffer) }
}

extension UUID: PGArrayElement {
    public static var elementType: UInt32 { PGTypeOID.uuid }
    public static var arrayType: UInt32 { PGTypeOID.uuidArray }
    public func encodeElement(into buffer: inout [UInt8]) { encode(into: &buffer) }
}
