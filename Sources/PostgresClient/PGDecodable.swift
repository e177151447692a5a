// Decoding of binary-format result values into Swift types, with a reason when a type does not fit.
import Foundation

/// Why a value could not be decoded; `PGResult` wraps it in a `PGError` naming the column.
public struct PGDecodingFailure: Error, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// A Swift type that can be read from a binary-format PostgreSQL value.
public protocol PGDecodable: Sendable {
    /// `bytes` is the value in PostgreSQL's binary format for type `type`.
    static func decode(from bytes: UnsafeRawBufferPointer, type: UInt32) throws(PGDecodingFailure) -> Self
    /// Called for SQL NULL; only `Optional` accepts it.
    static func decodeNull() throws(PGDecodingFailure) -> Self
}

extension PGDecodable {
    public static func decodeNull() throws(PGDecodingFailure) -> Self {
        throw PGDecodingFailure("NULL")
    }
}

extension Optional: PGDecodable where Wrapped: PGDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: UInt32) throws(PGDecodingFailure) -> Wrapped? {
        try Wrapped.decode(from: bytes, type: type)
    }
    public static func decodeNull() throws(PGDecodingFailure) -> Wrapped? { nil }
}

/// Big-endian reads over a value's bytes, with bounds checks that fail instead of trapping.
struct BinaryReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws(PGDecodingFailure) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw PGDecodingFailure("value is truncated") }
        var value: T = 0
        for index in 0..<size { value = (value << 8) | T(truncatingIfNeeded: bytes[offset + index]) }
        offset += size
        return value
    }

    mutating func slice(_ count: Int) throws(PGDecodingFailure) -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else { throw PGDecodingFailure("value is truncated") }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }
}

extension PGDecodingFailure {
    static func unsupported(_ type: UInt32) -> PGDecodingFailure {
        PGDecodingFailure("unsupported column type \(PGTypeOID.name(of: type)); cast it in SQL")
    }
}
