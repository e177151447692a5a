// Documents people write (policies, streams) read as YAML or JSON and turned into JSON, the one form stored.
import Foundation
import Yams

/// Why one converter: people edit documents by hand, where YAML is kinder (comments, no
/// braces), and programs emit JSON; the database stores `jsonb` and the decoders read JSON.
/// A document that is valid JSON passes through unchanged; anything else is read as YAML (core
/// schema, except that dates stay text: a field decides what its text means, not the YAML
/// resolver). YAML's flow style (`{name: welcome}`) also starts with `{`, so a document that
/// starts like JSON but is not JSON is tried as YAML, and if that fails too the JSON error is
/// the one reported, since its author most likely meant JSON.
public enum DocumentText {
    public static func json(from data: Data) throws(DocumentError) -> Data {
        guard let first = data.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else {
            throw DocumentError("the document is empty")
        }
        var jsonError: DocumentError?
        if first == UInt8(ascii: "{") {
            do {
                _ = try JSONSerialization.jsonObject(with: data)
                return data
            } catch {
                jsonError = DocumentError("not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)")")
            }
        }
        do {
            return try yaml(data)
        } catch {
            throw jsonError ?? error
        }
    }

    private static func yaml(_ data: Data) throws(DocumentError) -> Data {
        guard let text = String(data: data, encoding: .utf8) else { throw DocumentError("not UTF-8 text") }
        let loaded: Any?
        do {
            loaded = try Yams.load(yaml: text, Resolver.default.removing(.timestamp))
        } catch {
            throw DocumentError("not valid YAML: \(error)")
        }
        guard let loaded else { throw DocumentError("the document is empty") }
        let object = try jsonCompatible(loaded, path: "")
        guard object is [String: Any] else { throw DocumentError("the document must be a mapping of fields, not a single value or a list") }
        do {
            return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        } catch {
            throw DocumentError("cannot be written as JSON: \(error)")
        }
    }

    /// YAML values as JSONSerialization takes them: string keys, no NaN or infinity.
    private static func jsonCompatible(_ value: Any, path: String) throws(DocumentError) -> Any {
        switch value {
        case let mapping as [AnyHashable: Any]:
            var object: [String: Any] = [:]
            for (key, inner) in mapping {
                let name = "\(key.base)"
                object[name] = try jsonCompatible(inner, path: path.isEmpty ? name : "\(path).\(name)")
            }
            return object
        case let mapping as [String: Any]:
            var object: [String: Any] = [:]
            for (name, inner) in mapping { object[name] = try jsonCompatible(inner, path: path.isEmpty ? name : "\(path).\(name)") }
            return object
        case let list as [Any]:
            var items: [Any] = []
            for (index, inner) in list.enumerated() { items.append(try jsonCompatible(inner, path: "\(path)[\(index)]")) }
            return items
        case let number as Double where !number.isFinite:
            throw DocumentError("\(path) = \(number): not a finite number")
        case is String, is Int, is Double, is Bool, is NSNull:
            return value
        default:
            return "\(value)"
        }
    }
}

/// A document that is neither valid JSON nor valid YAML; the message says where when the parser knows.
public struct DocumentError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
