// JSON values: raw bytes for speed, or any Codable through Foundation's JSON coders.
import Foundation

/// A JSON document as UTF-8 bytes. Binds as `jsonb`; decodes from `json` or `jsonb`.
public struct PGJSON: Sendable, Hashable, PGDecodable, PGEncodable {
    public var bytes: Data

    public init(bytes: Data) { self.bytes = bytes }
    public init(_ text: String) { self.bytes = Data(text.utf8) }

    /// Encodes a value with `JSONEncoder` (sorted keys, so equal values give equal bytes).
    public init<T: Encodable>(encoding value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        do { bytes = try encoder.encode(value) } catch {
            throw PGError(.encoding, "value of type \(T.self) cannot be encoded as JSON: \(error)")
        }
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: bytes)
    }

    public static func decode(from bytes: UnsafeRawBufferPointer, type: UInt32) throws(PGDecodingFailure) -> PGJSON {
        switch type {
        case PGTypeOID.json, PGTypeOID.text:
            return PGJSON(bytes: Data(bytes))
        case PGTypeOID.jsonb:
            guard bytes.first == 1 else { throw PGDecodingFailure("unknown jsonb format version") }
            return PGJSON(bytes: Data(bytes.dropFirst()))
        default:
            throw .unsupported(type)
        }
    }

    public var pgType: UInt32 { PGTypeOID.jsonb }
    public var pgFormat: PGFormat { .binary }
    public func encode(into buffer: inout [UInt8]) throws(PGEncodingFailure) {
        buffer.append(1) // jsonb binary format version
        buffer.append(contentsOf: bytes)
    }
}
