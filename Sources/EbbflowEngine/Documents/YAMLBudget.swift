// Measures what a YAML document stands for with its aliases expanded, from libyaml's events, before anything is composed.
import CYaml
import Foundation

/// Why before composing: `Yams.compose` itself is not linear. It checks each mapping for
/// repeated keys by hashing the keys, and hashing an alias used as a key walks everything the
/// alias stands for: a 303-byte document (`? *h` over eight anchors of ten) kept a CPU busy for
/// minutes before any count after compose could run. And counting values alone let a 900 KB
/// string repeated through aliases build gigabytes. So one pass over the parser's events, in
/// time and memory linear in the text, keeps for each anchor what it stands for (values, bytes
/// of scalar text, nesting height) and adds that at each alias; it stops at the first bound
/// crossed, and refuses any key that is not a plain scalar (an alias, a list or a mapping as a
/// key means nothing in a policy or stream, and only such keys make the key check expensive).
enum YAMLBudget {
    struct Limits {
        var values: Int
        var bytes: Int
        var depth: Int
    }

    /// What a node stands for once expanded.
    private struct Cost {
        var values = 0
        var bytes = 0
        var height = 0
    }

    private struct Frame {
        var isMapping: Bool
        var anchor: String?
        var cost = Cost()
        var children = 0
        /// A mapping's next child is a key when it has had an even number of children.
        var expectsKey: Bool { isMapping && children % 2 == 0 }
    }

    /// Nil when the document stays within `limits` (or does not parse: the composer then
    /// reports the syntax error with its place), else the bound it crosses.
    static func check(_ data: Data, limits: Limits) -> DocumentError? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return DocumentError("cannot start the YAML parser") }
        defer { yaml_parser_delete(&parser) }
        let bytes = [UInt8](data)
        return bytes.withUnsafeBufferPointer { buffer in
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            return scan(&parser, limits: limits)
        }
    }

    private static func scan(_ parser: inout yaml_parser_t, limits: Limits) -> DocumentError? {
        var anchors: [String: Cost] = [:]
        var stack: [Frame] = []
        var total = Cost()
        while true {
            var event = yaml_event_t()
            guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
            defer { yaml_event_delete(&event) }
            let place = "line \(event.start_mark.line + 1), column \(event.start_mark.column + 1)"
            let isKey = stack.last?.expectsKey ?? false
            var added: Cost?
            switch event.type {
            case YAML_STREAM_END_EVENT:
                return nil
            case YAML_SCALAR_EVENT:
                let cost = Cost(values: 1, bytes: event.data.scalar.length, height: 1)
                if let anchor = name(event.data.scalar.anchor) { anchors[anchor] = cost }
                added = cost
            case YAML_ALIAS_EVENT:
                if isKey { return DocumentError("\(place): a mapping key must be plain text, not an alias") }
                guard let anchor = name(event.data.alias.anchor), let cost = anchors[anchor] else { return nil }
                added = cost
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isMapping = event.type == YAML_MAPPING_START_EVENT
                if isKey {
                    return DocumentError(
                        "\(place): a mapping key must be plain text, not a \(isMapping ? "mapping" : "list")")
                }
                let anchor = isMapping ? name(event.data.mapping_start.anchor) : name(event.data.sequence_start.anchor)
                stack.append(Frame(isMapping: isMapping, anchor: anchor))
                total.values += 1
                if stack.count > limits.depth {
                    return DocumentError(
                        "the document nests deeper than \(limits.depth) levels: at most \(limits.depth)")
                }
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard var frame = stack.popLast() else { return nil }
                frame.cost.values += 1
                frame.cost.height += 1
                if let anchor = frame.anchor { anchors[anchor] = frame.cost }
                // The collection's own value was counted in `total` when it opened.
                if !stack.isEmpty { include(frame.cost, in: &stack[stack.count - 1]) }
                continue
            default:
                continue
            }
            guard let cost = added else { continue }
            total.values += cost.values
            total.bytes += cost.bytes
            if stack.count + cost.height > limits.depth {
                return DocumentError("the document nests deeper than \(limits.depth) levels: at most \(limits.depth)")
            }
            if total.values > limits.values {
                return DocumentError(
                    "the document stands for more than \(limits.values) values once its YAML aliases are expanded: at most \(limits.values)"
                )
            }
            if total.bytes > limits.bytes {
                return DocumentError(
                    "the document stands for more than \(limits.bytes) bytes of text once its YAML aliases are expanded: at most \(limits.bytes) (1 MiB)"
                )
            }
            if !stack.isEmpty { include(cost, in: &stack[stack.count - 1]) }
        }
    }

    private static func include(_ cost: Cost, in frame: inout Frame) {
        frame.cost.values += cost.values
        frame.cost.bytes += cost.bytes
        frame.cost.height = max(frame.cost.height, cost.height)
        frame.children += 1
    }

    private static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
