// A Decoder over one CSV record with a header: the record's non-empty fields are the keys, each field's text its value.

/// The header of a CSV input: lowercased names, distinct, in column order.
final class CSVHeader: Sendable {
    let names: [String]
    let indexes: [String: Int]

    init(_ names: [String]) {
        self.names = names
        var indexes: [String: Int] = [:]
        for (index, name) in names.enumerated() { indexes[name] = index }
        self.indexes = indexes
    }
}

/// Decodes one record as a keyed container: a column whose field is empty is absent, as in
/// the NDJSON a field left out; every value is text (a `String`, or an `ImportValue`).
struct CSVRecordDecoder: Decoder {
    let header: CSVHeader
    /// The record's fields, trimmed, one per header name.
    let fields: [String]
    var userInfo: [CodingUserInfoKey: Any] = [:]
    var codingPath: [any CodingKey] { [] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Record(header: header, fields: fields))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw mismatch([Any].self, [], "a CSV record is keyed by its header")
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw mismatch(String.self, [], "a CSV record is keyed by its header")
    }

    private struct Record<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let header: CSVHeader
        let fields: [String]
        var codingPath: [any CodingKey] { [] }

        var allKeys: [Key] {
            zip(header.names, fields).compactMap { name, field in field.isEmpty ? nil : Key(stringValue: name) }
        }

        private func field(_ key: Key) -> String? {
            guard let index = header.indexes[key.stringValue], !fields[index].isEmpty else { return nil }
            return fields[index]
        }

        private func text(_ key: Key) throws -> String {
            guard let text = field(key) else {
                throw DecodingError.keyNotFound(key, .init(codingPath: [key], debugDescription: "not in this record"))
            }
            return text
        }

        func contains(_ key: Key) -> Bool { field(key) != nil }
        func decodeNil(forKey key: Key) throws -> Bool { field(key) == nil }

        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let text = try text(key)
            // The common cases directly: a CSV field is text, whatever the line type makes of it.
            if T.self == ImportValue.self { return unsafeBitCast(ImportValue.text(text), to: T.self) }
            if T.self == String.self { return unsafeBitCast(text, to: T.self) }
            throw mismatch(type, [key], "a CSV field is text")
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
            -> KeyedDecodingContainer<NestedKey>
        {
            throw mismatch([String: Any].self, [key], "a CSV field is text")
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw mismatch([Any].self, [key], "a CSV field is text")
        }

        func superDecoder() throws -> any Decoder {
            throw mismatch([String: Any].self, [], "a CSV record has no super")
        }
        func superDecoder(forKey key: Key) throws -> any Decoder {
            throw mismatch(String.self, [key], "a CSV field is text")
        }
    }
}

/// The error for a shape a CSV record does not have (only text under header names).
private func mismatch(_ type: Any.Type, _ path: [any CodingKey], _ what: String) -> DecodingError {
    DecodingError.typeMismatch(type, .init(codingPath: path, debugDescription: what))
}
