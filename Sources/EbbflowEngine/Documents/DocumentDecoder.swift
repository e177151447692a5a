// The one strict decoder of documents people write: an unknown key, a wrong type or an unknown enum value is refused with its path.
import Foundation

/// A document field that does not fit its type: where (`default.cooldwn_days`,
/// `steps[2].wait`) and why, in one line.
public struct DocumentFieldError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The field's path as the author wrote it; empty for the whole document.
    public var path: String
    public var reason: String
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}

/// Why one decoder for every document type: `JSONDecoder` ignores keys no type asks for, so a
/// typo (`cooldwn_days`, `evnt: signup`, `extis:`) was accepted and silently meant "use the
/// default", which for a stream's `event` turned a triggered stream into a standing one. Here
/// every keyed container checks, when it is opened, that each key of its mapping is one its
/// `CodingKeys` know; maps with free keys (`points`, `segments`) accept any key because their
/// key type does. No type has to remember to be strict, and a new field is known as soon as it
/// has a coding key. An enum value outside the enum (`after_reactivation: delete`) is refused
/// with the valid values listed, instead of Foundation's `Cannot initialize … from invalid
/// String value`.
public enum DocumentDecoder {
    public static func decode<T: Decodable>(_ type: T.Type, from value: DocumentValue) throws(DocumentFieldError) -> T {
        try decode(type, from: value, unknownKeys: nil)
    }

    /// Decodes a document that was accepted when it was stored: a key its type no longer knows
    /// (written under an older release's rules) is skipped and its path returned instead of
    /// refused, so an upgrade never stops the engine over a key that changes nothing.
    public static func decodeStored<T: Decodable>(_ type: T.Type, from value: DocumentValue) throws(DocumentFieldError)
        -> (T, ignoredKeys: [String])
    {
        let unknown = UnknownKeys()
        let decoded = try decode(type, from: value, unknownKeys: unknown)
        return (decoded, unknown.paths)
    }

    static func decode<T: Decodable>(_ type: T.Type, from value: DocumentValue, unknownKeys: UnknownKeys?)
        throws(DocumentFieldError) -> T
    {
        do {
            return try TreeDecoder(value: value, codingPath: [], unknownKeys: unknownKeys).unbox(T.self)
        } catch let error as DocumentFieldError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw DocumentFieldError(path: path(context.codingPath + [key]), reason: "is missing")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
            let DecodingError.dataCorrupted(context)
        {
            throw DocumentFieldError(path: path(context.codingPath), reason: context.debugDescription)
        } catch {
            throw DocumentFieldError(path: "", reason: "\(error)")
        }
    }

    /// `steps[2].branch.if`: keys joined by dots, list positions in brackets.
    public static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce("") { text, key in
            if let index = key.intValue, key is ListIndex || key.stringValue == "Index \(index)" {
                return "\(text)[\(index)]"
            }
            return text.isEmpty ? key.stringValue : "\(text).\(key.stringValue)"
        }
    }
}

/// A list position as a coding key.
struct ListIndex: CodingKey {
    var intValue: Int?
    var stringValue: String { "\(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}

/// The valid values of an enum read from a document, for the error that lists them.
func enumValues<E: CaseIterable & RawRepresentable<String>>(_ type: E.Type) -> [String] { E.allCases.map(\.rawValue) }

/// The keys a lenient decode skipped, by path.
final class UnknownKeys {
    var paths: [String] = []
}

struct TreeDecoder: Decoder {
    let value: DocumentValue
    let codingPath: [any CodingKey]
    /// Nil for the strict decode; else where skipped keys are noted.
    var unknownKeys: UnknownKeys?
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func unbox<T: Decodable>(_ type: T.Type) throws -> T {
        if let enumType = T.self as? any (CaseIterable & RawRepresentable<String>).Type {
            let valid = enumValues(enumType)
            guard case .string(let text) = value, valid.contains(text) else {
                throw DocumentFieldError(
                    path: DocumentDecoder.path(codingPath),
                    reason: "\(value.shown) is not one of \(valid.joined(separator: ", "))")
            }
        }
        return try T(from: self)
    }

    func child(_ value: DocumentValue, _ key: any CodingKey) -> TreeDecoder {
        TreeDecoder(value: value, codingPath: codingPath + [key], unknownKeys: unknownKeys)
    }

    func mismatch(_ type: Any.Type, _ expected: String) -> DecodingError {
        .typeMismatch(
            type, .init(codingPath: codingPath, debugDescription: "expected \(expected), found \(value.shown)"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let fields) = value else { throw mismatch([String: Any].self, "a mapping of fields") }
        // The strictness: a key its type cannot name is a typo or a misplaced field.
        if let unknownKeys {
            let place = DocumentDecoder.path(codingPath)
            for unknown in fields.keys.sorted() where Key(stringValue: unknown) == nil {
                unknownKeys.paths.append(place.isEmpty ? unknown : "\(place).\(unknown)")
            }
        } else if let unknown = fields.keys.sorted().first(where: { Key(stringValue: $0) == nil }) {
            let place = DocumentDecoder.path(codingPath)
            throw DocumentFieldError(
                path: place.isEmpty ? unknown : "\(place).\(unknown)",
                reason: "unknown key \"\(unknown)\"\(place.isEmpty ? "" : " in \(place)")")
        }
        return KeyedDecodingContainer(TreeKeyedContainer<Key>(decoder: self, fields: fields))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .list(let items) = value else { throw mismatch([Any].self, "a list") }
        return TreeUnkeyedContainer(decoder: self, items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { TreeSingleValue(decoder: self) }
}

struct TreeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: TreeDecoder
    let fields: [String: DocumentValue]
    var codingPath: [any CodingKey] { decoder.codingPath }
    var allKeys: [Key] { fields.keys.sorted().compactMap(Key.init(stringValue:)) }

    func contains(_ key: Key) -> Bool { fields[key.stringValue] != nil }

    func field(_ key: Key) throws -> TreeDecoder {
        guard let value = fields[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "is missing"))
        }
        return decoder.child(value, key)
    }

    func decodeNil(forKey key: Key) throws -> Bool { try field(key).value == .null }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try field(key).unbox(T.self) }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try field(key).unbox(type) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try field(key).unbox(type) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try field(key).unbox(type) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try field(key).unbox(type) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try field(key).unbox(type) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try field(key).unbox(type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try field(key).unbox(type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try field(key).unbox(type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try field(key).unbox(type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try field(key).unbox(type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try field(key).unbox(type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try field(key).unbox(type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try field(key).unbox(type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try field(key).unbox(type) }

    // An optional field may be left out, but not written as null: `cooldown_days:` with no
    // value is a slip, refused as the wrong type instead of silently meaning the default.
    func present<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        fields[key.stringValue] == nil ? nil : try field(key).unbox(type)
    }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try present(type, key) }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try present(type, key) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try present(type, key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try present(type, key) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try present(type, key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try present(type, key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try present(type, key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try present(type, key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try present(type, key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try present(type, key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try present(type, key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try present(type, key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try present(type, key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try present(type, key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try present(type, key) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try field(key).container(keyedBy: type)
    }
    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try field(key).unkeyedContainer()
    }
    func superDecoder() throws -> any Decoder { decoder }
    func superDecoder(forKey key: Key) throws -> any Decoder { try field(key) }
}

struct TreeUnkeyedContainer: UnkeyedDecodingContainer {
    let decoder: TreeDecoder
    let items: [DocumentValue]
    var currentIndex = 0
    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(decoder: TreeDecoder, items: [DocumentValue]) {
        self.decoder = decoder
        self.items = items
    }

    mutating func next() throws -> TreeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                Any.self,
                .init(codingPath: codingPath + [ListIndex(currentIndex)], debugDescription: "the list ends early"))
        }
        defer { currentIndex += 1 }
        return decoder.child(items[currentIndex], ListIndex(currentIndex))
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().unbox(T.self) }
    mutating func decode(_ type: Bool.Type) throws -> Bool { try next().unbox(type) }
    mutating func decode(_ type: String.Type) throws -> String { try next().unbox(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try next().unbox(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try next().unbox(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try next().unbox(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try next().unbox(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try next().unbox(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try next().unbox(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try next().unbox(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try next().unbox(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try next().unbox(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try next().unbox(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try next().unbox(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try next().unbox(type) }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<
        NestedKey
    > {
        try next().container(keyedBy: type)
    }
    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }
    mutating func superDecoder() throws -> any Decoder { try next() }
}

struct TreeSingleValue: SingleValueDecodingContainer {
    let decoder: TreeDecoder
    var codingPath: [any CodingKey] { decoder.codingPath }
    var value: DocumentValue { decoder.value }

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool {
        guard case .bool(let flag) = value else { throw decoder.mismatch(type, "true or false") }
        return flag
    }

    func decode(_ type: String.Type) throws -> String {
        guard case .string(let text) = value else { throw decoder.mismatch(type, "text") }
        return text
    }

    func decode(_ type: Double.Type) throws -> Double {
        switch value {
        case .integer(let number): return Double(number)
        case .number(let number): return number
        default: throw decoder.mismatch(type, "a number")
        }
    }

    func decode(_ type: Float.Type) throws -> Float { Float(try decode(Double.self)) }

    /// A whole number that fits `T`; `5.0` is five, `5.5` and `1e30` are refused, never rounded or trapped.
    func whole<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        switch value {
        case .integer(let number):
            if let fitted = T(exactly: number) { return fitted }
        case .number(let number):
            if let fitted = T(exactly: number) { return fitted }
        default:
            break
        }
        throw decoder.mismatch(type, "a whole number between \(T.min) and \(T.max)")
    }

    func decode(_ type: Int.Type) throws -> Int { try whole(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try whole(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try whole(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try whole(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try whole(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try whole(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try whole(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try whole(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try whole(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try whole(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.unbox(T.self) }
}
