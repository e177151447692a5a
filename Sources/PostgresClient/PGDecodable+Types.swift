// PGDecodable conformances of the standard Swift types: integers, floats, Bool, String, Date, UUID, Data.
import Foundation

extension Int64: PGDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: UInt32) throws(PGDecodingFailure) -> Int64 {
        var reader = BinaryReader(bytes)
        switch type {
        case PGTypeOID.int8: return try reader.read(Int64.self)
        case PGTypeOID.int4: return Int64(try reader.read(Int32.self))
        case PGTypeOID.int2: return Int64(try reader.read(Int16.self))
        case PGTypeOID.oid: return Int64(try reader.read(UInt32.self))
        case PGTypeOID.numeric:
            let decimal = try PGNumeric.decode(bytes)
            guard let exact = decimal.integerValue else {
                throw PGDecodingFailure("numeric \(decimal.doubleValue) is not an integer in Int64 range")
            }
            return exact
        default: throw .unsupported(type)
        }
    }
}

/// Narrower integers go through Int64 and fail, rather than wrap, when the value does not fit.
private func narrowed<T: FixedWidthInteger>(_ bytes: UnsafeRawBufferPointer, _ type: UInt32) throws(PGDecodingFailure)
    -> T
{
    let wide = try Int64.decode(from: bytes, type: type)
    guard let value = T(exactly: wide) else { throw PGDecodingFailure("value \(wide) does not fit in \(T.self)") }
    return value
}

extension Int: PGDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: UInt32) throws(PGDecodingFailure) -> Int {
        try narrowed(bytes, type)
    }
}

extension Int32: PGDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: UInt32) throws(PGDecodingFailure) -> Int32 {
        try narrowed(bytes, type)
    }
}

extension Int16: PGDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: UInt32) throws(PGDecodingFailure) -> Int16 {
        try narrowed(bytes, type)
    }
}

extension Double: PGDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: UInt32) throws(PGDecodingFailure) -> Double {
        var reader = BinaryReader(bytes)
        switch type {
        case PGTypeOID.float8: return Double(bitPattern: try reader.read(UInt64.self))
        case PGTypeOID.float4: return Double(Float(bitPattern: try reader.read(UInt32.self)))
        case PGTypeOID.numeric: return try PGNumeric.decode(bytes).doubleValue
        case PGTypeOID.int8, PGTypeOID.int4, PGTypeOID.int2: return Double(try Int64.decode(from: bytes, type: type))
        default: throw .unsupported(type)
        }
    }
}

extension Bool: PGDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: UInt32) throws(PGDecodingFailure) -> Bool {
        guard type == PGTypeOID.bool else { throw .unsupported(type) }
        guard bytes.count == 1 else { throw PGDecodingFailure("boolean of \(bytes.count) bytes") }
        return bytes[0] != 0
    }
}

extension String: PGDecodable {
    /// Text-like types only. User-defined types (OID ≥ 16384) are accepted because enums and
    /// `citext` send their text in binary format; a composite would not decode sensibly, so
    /// cast those to `text` in SQL.
    public static func decode(from bytes: UnsafeRawBufferPointer, type: UInt32) throws(PGDecodingFailure) -> String {
        switch type {
        case PGTypeOID.text, PGTypeOID.varchar, PGTypeOID.bpchar, PGTypeOID.name, PGTypeOID.unknown,
            PGTypeOID.json, PGTypeOID.xml, PGTypeOID.char:
            return String(decoding: bytes, as: UTF8.self)
        case PGTypeOID.jsonb:
            guard bytes.first == 1 else { throw PGDecodingFailure("unknown jsonb format version") }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes.dropFirst()), as: UTF8.self)
        case let oid where oid >= PGTypeOID.firstUserDefined:
            return String(decoding: bytes, as: UTF8.self)
        default:
            throw .unsupported(type)
        }
    }
}

/// PostgreSQL's epoch, 2000-01-01 00:00:00 UTC, in Unix seconds.
let postgresEpochUnixSeconds: Int64 = 946_684_800

extension Date: PGDecodable {
    /// `timestamptz` (and `timestamp`, read as UTC) are microseconds since 2000-01-01;
    /// `date` is days since then. ±infinity map to `distantFuture`/`distantPast`.
    public static func decode(from bytes: UnsafeRawBufferPointer, type: UInt32) throws(PGDecodingFailure) -> Date {
        var reader = BinaryReader(bytes)
        switch type {
        case PGTypeOID.timestamptz, PGTypeOID.timestamp:
            let micros = try reader.read(Int64.self)
            if micros == Int64.max { return .distantFuture }
            if micros == Int64.min { return .distantPast }
            let seconds = micros.quotientAndRemainderFlooring(dividingBy: 1_000_000)
            return Date(
                timeIntervalSince1970: Double(seconds.quotient + postgresEpochUnixSeconds) + Double(seconds.remainder)
                    / 1e6)
        case PGTypeOID.date:
            let days = try reader.read(Int32.self)
            if days == Int32.max { return .distantFuture }
            if days == Int32.min { return .distantPast }
            return Date(timeIntervalSince1970: Double(Int64(days) * 86_400 + postgresEpochUnixSeconds))
        default:
            throw .unsupported(type)
        }
    }
}

extension Int64 {
    /// Division that rounds toward negative infinity, so times before 2000 split correctly.
    func quotientAndRemainderFlooring(dividingBy divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        var (q, r) = quotientAndRemainder(dividingBy: divisor)
        if r < 0 { q -= 1; r += divisor }
        return (q, r)
    }
}

extension UUID: PGDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: UInt32) throws(PGDecodingFailure) -> UUID {
        guard type == PGTypeOID.uuid else { throw .unsupported(type) }
        guard bytes.count == 16 else { throw PGDecodingFailure("uuid of \(bytes.count) bytes") }
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &raw) { $0.copyMemory(from: bytes) }
        return UUID(uuid: raw)
    }
}

extension Data: PGDecodable {
    /// `bytea` as its raw bytes.
    public static func decode(from bytes: UnsafeRawBufferPointer, type: UInt32) throws(PGDecodingFailure) -> Data {
        guard type == PGTypeOID.bytea else { throw .unsupported(type) }
        return Data(bytes)
    }
}
