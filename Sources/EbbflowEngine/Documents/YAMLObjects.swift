// A composed YAML node as the objects JSONSerialization writes, keys kept as their text.
import Foundation
import Yams

/// Why not `Node.any`: it resolves keys like values, so `yes:` became the key "true" (and
/// collided with `true:` past the repeated-key check) and a segment named `no` was stored as
/// "false". Here a key is its scalar's text exactly as written, a key that is not text is
/// refused, and a key that appears twice once resolved (`"no"` and `no`) is refused with its
/// path. Merge keys (`<<: *base`) keep YAML's meaning: the mapping's own keys win, then the
/// merged mappings in order.
enum YAMLObjects {
    static func object(_ node: Node, path: String) throws(DocumentError) -> Any {
        switch node {
        case .mapping(let mapping):
            var object: [String: Any] = [:]
            var merged: [Node] = []
            for (key, value) in mapping {
                guard case .scalar(let scalar) = key else {
                    throw DocumentError("\(place(path)): a mapping key must be plain text")
                }
                if scalar.style == .plain && scalar.string == "<<" {
                    merged.append(value)
                    continue
                }
                let name = scalar.string
                guard object[name] == nil else {
                    throw DocumentError("the key \"\(name)\" appears twice in \(place(path))")
                }
                object[name] = try self.object(value, path: path.isEmpty ? name : "\(path).\(name)")
            }
            for source in merged.flatMap(sources) {
                guard case .mapping = source, let inner = try self.object(source, path: path) as? [String: Any] else {
                    throw DocumentError("\(place(path)): a merge key (<<) takes a mapping or a list of mappings")
                }
                for (name, value) in inner where object[name] == nil { object[name] = value }
            }
            return object
        case .sequence(let sequence):
            var items: [Any] = []
            for (index, inner) in sequence.enumerated() { items.append(try object(inner, path: "\(path)[\(index)]")) }
            return items
        case .scalar, .alias:
            let value = node.any
            switch value {
            case let number as Double where !number.isFinite:
                throw DocumentError("\(path) = \(number): not a finite number")
            case is String, is Int, is Double, is Bool, is NSNull:
                return value
            default:
                return "\(value)"
            }
        }
    }

    /// The mappings one merge key names: a mapping, or each of a list of them in order.
    private static func sources(_ node: Node) -> [Node] {
        if case .sequence(let sequence) = node { return Array(sequence) }
        return [node]
    }

    private static func place(_ path: String) -> String { path.isEmpty ? "the top-level mapping" : path }
}
