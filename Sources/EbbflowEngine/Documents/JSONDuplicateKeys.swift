// Finds a key written twice in one JSON object, which JSON parsers silently resolve to the last.
import Foundation

/// Why: `{"cooldown_days": 45, "cooldown_days": 50}` parses in every JSON library, and the first
/// value is lost without a word; YAML already refuses a repeated key. One pass over valid JSON
/// text (`DocumentText` has checked it parses) with a stack of the keys seen per object.
enum JSONDuplicateKeys {
    private struct Frame {
        var isObject: Bool
        var keys: Set<String> = []
        var expectingKey: Bool
        var key: String?
        var index = 0
    }

    /// The first repeated key and the path of its object (empty at the top level), or nil.
    static func first(in data: Data) -> (key: String, path: String)? {
        first(in: [UInt8](data))
    }

    /// As `first(in:)` for bytes already in an array (an import's NDJSON line, without a copy).
    static func first(in bytes: [UInt8]) -> (key: String, path: String)? {
        scan(bytes, stopAtFirst: true).first
    }

    /// Every repeated key, in text order, each with the path of its object: an ingest batch
    /// refuses each message that holds one and keeps the others.
    static func all(in bytes: [UInt8]) -> [(key: String, path: String)] {
        scan(bytes, stopAtFirst: false)
    }

    private static func scan(_ bytes: [UInt8], stopAtFirst: Bool) -> [(key: String, path: String)] {
        var found: [(key: String, path: String)] = []
        var stack: [Frame] = []
        var position = 0
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "{"): stack.append(Frame(isObject: true, expectingKey: true))
            case UInt8(ascii: "["): stack.append(Frame(isObject: false, expectingKey: false))
            case UInt8(ascii: "}"), UInt8(ascii: "]"): _ = stack.popLast()
            case UInt8(ascii: ","):
                if stack.last?.isObject == true {
                    stack[stack.count - 1].expectingKey = true
                } else if !stack.isEmpty {
                    stack[stack.count - 1].index += 1
                }
            case UInt8(ascii: "\""):
                let start = position + 1
                position = start
                while position < bytes.count && bytes[position] != UInt8(ascii: "\"") {
                    position += bytes[position] == UInt8(ascii: "\\") ? 2 : 1
                }
                guard let top = stack.last, top.isObject, top.expectingKey else { break }
                let key = text(bytes[start..<min(position, bytes.count)])
                stack[stack.count - 1].expectingKey = false
                stack[stack.count - 1].key = key
                if !stack[stack.count - 1].keys.insert(key).inserted {
                    found.append((key, path(stack.dropLast())))
                    if stopAtFirst { return found }
                }
            default:
                break
            }
            position += 1
        }
        return found
    }

    /// A key's text with its escapes resolved, so `"a"` and `"\u0061"` are the same key.
    private static func text(_ raw: ArraySlice<UInt8>) -> String {
        guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
        let quoted = Data([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")])
        return (try? JSONSerialization.jsonObject(with: quoted, options: .fragmentsAllowed)) as? String
            ?? String(decoding: raw, as: UTF8.self)
    }

    private static func path(_ frames: ArraySlice<Frame>) -> String {
        frames.reduce("") { text, frame in
            if !frame.isObject { return "\(text)[\(frame.index)]" }
            let key = frame.key ?? ""
            return text.isEmpty ? key : "\(text).\(key)"
        }
    }
}
