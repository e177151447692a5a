// One-dimensional arrays in PostgreSQL's binary array format, for `= ANY($1)` and array columns.
import Foundation

/// Encodes and decodes the binary array layout: ndim, has-null flag, element type,
/// (length, lower bound) per dimension, then (length, bytes) per element.
enum PGArrayCoding {
    static func encode<S: Sequence>(
        _ elements: S, elementType: UInt32, into buffer: inout [UInt8],
        element: (S.Element, inout [UInt8]) throws(PGEncodingFailure) -> Void,
        isNull: (S.Element) -> Bool = { _ in false }
    ) throws(PGEncodingFailure) {
        let items = Array(elements)
        appendInt32(items.isEmpty ? 0 : 1, &buffer)
        appendInt32(items.contains(where: isNull) ? 1 : 0, &buffer)
        appendInt32(Int32(bitPattern: elementType), &buffer)
        if items.isEmpty { return }
        appendInt32(try .length(items.count, of: "an array's element count"), &buffer)
        appendInt32(1, &buffer)
        var scratch: [UInt8] = []
        for item in items {
            if isNull(item) {
                appendInt32(-1, &buffer)
                continue
            }
            scratch.removeAll(keepingCapacity: true)
            try element(item, &scratch)
            appendInt32(try .length(scratch.count, of: "an array element's length"), &buffer)
            buffer.append(contentsOf: scratch)
        }
    }

    static func decode<T: PGDecodable>(_ bytes: UnsafeRawBufferPointer, as: T.Type) throws(PGDecodingFailure) -> [T] {
        var reader = BinaryReader(bytes)
        let dimensions = try reader.read(Int32.self)
        _ = try reader.read(Int32.self)
        let elementType = try reader.read(UInt32.self)
        if dimensions == 0 { return [] }
        guard dimensions == 1 else { throw PGDecodingFailure("\(dimensions)-dimensional arrays are not supported") }
        let count = try reader.read(Int32.self)
        _ = try reader.read(Int32.self)
        var result: [T] = []
        result.reserveCapacity(Int(max(count, 0)))
        for _ in 0..<max(count, 0) {
            let length = try reader.read(Int32.self)
            if length < 0 {
                result.append(try T.decodeNull())
            } else {
                result.append(try T.decode(from: try reader.slice(Int(length)), type: elementType))
            }
        }
        return result
    }

    static func appendInt32(_ value: Int32, _ buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append(contentsOf: $0) }
    }
}

extension Array: PGDecodable where Element: PGDecodable {
    public static func decode(from bytes: UnsafeRawBufferPointer, type: UInt32) throws(PGDecodingFailure) -> [Element] {
        switch type {
        case PGTypeOID.int2Array, PGTypeOID.int4Array, PGTypeOID.int8Array, PGTypeOID.textArray,
            PGTypeOID.varcharArray, PGTypeOID.uuidArray, PGTypeOID.boolArray, PGTypeOID.float8Array,
            PGTypeOID.timestamptzArray:
            return try PGArrayCoding.decode(bytes, as: Element.self)
        default:
            if type >= PGTypeOID.firstUserDefined { return try PGArrayCoding.decode(bytes, as: Element.self) }
            throw .unsupported(type)
        }
    }
}
