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
///
/// Why the bounds: YAML aliases let a half-kilobyte document (a "billion laughs") stand for
/// billions of values; expanding it exhausted memory and aborted `policy set`, and a 350-byte
/// one stored an 8 MB policy. So a document is at most `maxBytes` as written, and its YAML
/// events are measured with aliases expanded (`YAMLBudget`) before Yams composes anything,
/// stopping at `maxValues`, `maxExpandedBytes` and `maxDepth`. A JSON document nests at most
/// `maxDepth` levels too. Mapping keys keep their text as written (`YAMLObjects`).
public enum DocumentText {
    /// The largest document read: 1 MiB, far more than any policy or set of streams.
    public static let maxBytes = 1 << 20
    /// The most values (mappings, lists, scalars, keys included) a document may stand for once
    /// its aliases are expanded.
    public static let maxValues = 100_000
    /// The deepest nesting of mappings and lists.
    public static let maxDepth = 64
    /// The most bytes of text (keys and values) a YAML document may stand for once its aliases
    /// are expanded: what a document without aliases could hold at most, so an alias can share
    /// text but never multiply it.
    public static let maxExpandedBytes = maxBytes

    public static func json(from data: Data) throws(DocumentError) -> Data {
        guard data.count <= maxBytes else {
            // The CLI reads at most one byte more than this (an endless input must end), so the
            // size given is a lower bound.
            throw DocumentError("the document is more than \(maxBytes) bytes: at most \(maxBytes) (1 MiB)")
        }
        guard let first = data.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else {
            throw DocumentError("the document is empty")
        }
        var jsonError: DocumentError?
        if first == UInt8(ascii: "{") {
            var parsed = false
            do {
                _ = try JSONSerialization.jsonObject(with: data)
                parsed = true
            } catch {
                jsonError = DocumentError(
                    "not valid JSON: \((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)")"
                )
            }
            if parsed {
                if JSONDepth.exceeds(maxDepth, in: data) {
                    throw DocumentError("the document nests deeper than \(maxDepth) levels: at most \(maxDepth)")
                }
                if let (key, path) = JSONDuplicateKeys.first(in: data) {
                    throw DocumentError(
                        "the key \"\(key)\" appears twice in \(path.isEmpty ? "the top-level mapping" : path)")
                }
                return data
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
        if let error = YAMLBudget.check(
            data, limits: .init(values: maxValues, bytes: maxExpandedBytes, depth: maxDepth))
        {
            throw error
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text, Resolver.default.removing(.timestamp))
        } catch {
            throw DocumentError("not valid YAML: \(oneLine(error))")
        }
        guard let node else { throw DocumentError("the document is empty") }
        let object = try YAMLObjects.object(node, path: "")
        guard object is [String: Any] else {
            throw DocumentError("the document must be a mapping of fields, not a single value or a list")
        }
        do {
            return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        } catch {
            throw DocumentError("cannot be written as JSON: \(error)")
        }
    }

    /// A YAML error in one short line: its place and problem, never the document's text
    /// (Yams appends the offending line, which for a one-line document is the whole document).
    static func oneLine(_ error: any Error) -> String {
        switch error as? YamlError {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            return "line \(mark.line), column \(mark.column): \(problem)" + (context.map { " (\($0.text))" } ?? "")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return
                "line \(context.mark.line), column \(context.mark.column): the key \(duplicates.sorted().joined(separator: ", ")) appears twice in one mapping"
        default:
            let text = "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ")
            return text.count > 200 ? String(text.prefix(200)) + "…" : text
        }
    }
}

/// A document that is neither valid JSON nor valid YAML; the message says where when the parser knows.
public struct DocumentError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
