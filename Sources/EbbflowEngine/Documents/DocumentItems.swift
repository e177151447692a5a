// The items of a stream or template document: one item, or a list under one key, each decoded strictly on its own.
import Foundation

/// A refused item: which one (its name, `KEY[i]`, or `(document)`), which field, why.
struct DocumentItemError: Error {
    var item: String
    var field: String
    var reason: String
}

/// Why one reader: `streams apply` and `templates apply` take the same document shape (one
/// item, or `streams: [...]` / `templates: [...]`) and refuse it alike, naming the item and the
/// field within it (`stream welcome: steps[1].wait: …`). Each item is decoded on its own,
/// strictly (`DocumentDecoder`); validation and duplicate names stay with each kind.
enum DocumentItems {
    /// The items of `data` as `T`. `kind` names one item ("stream"); `key` is the list's key ("streams").
    static func decode<T: Decodable>(_ data: Data, as type: T.Type, kind: String, key: String) throws(DocumentItemError)
        -> [T]
    {
        let written: DocumentValue
        do {
            written = try DocumentValue.parse(json: try DocumentText.json(from: data))
        } catch {
            throw DocumentItemError(
                item: "(document)", field: "(document)", reason: "not a JSON or YAML \(kind) document: \(error)")
        }
        var items: [(index: Int?, value: DocumentValue)] = [(nil, written)]
        if case .object(let top) = written, let list = top[key] {
            if let other = top.keys.sorted().first(where: { $0 != key }) {
                throw DocumentItemError(
                    item: "(document)", field: other,
                    reason: "unknown key \"\(other)\" beside \(key) (a document is one \(kind), or \(key): [...])")
            }
            guard case .list(let values) = list else {
                throw DocumentItemError(item: "(document)", field: key, reason: "expected a list of \(key)")
            }
            items = values.enumerated().map { ($0.offset, $0.element) }
        }
        var decoded: [T] = []
        for (index, value) in items {
            do {
                decoded.append(try DocumentDecoder.decode(T.self, from: value))
            } catch {
                let name: String =
                    if case .string(let name)? = value["name"] { String(name.prefix(120)) } else {
                        index.map { "\(key)[\($0)]" } ?? "(document)"
                    }
                throw DocumentItemError(
                    item: name, field: error.path.isEmpty ? "(document)" : error.path, reason: error.reason)
            }
        }
        guard !decoded.isEmpty else {
            throw DocumentItemError(item: "(document)", field: key, reason: "no \(kind) defined")
        }
        return decoded
    }
}
