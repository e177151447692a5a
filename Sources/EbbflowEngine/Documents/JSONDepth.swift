// How deeply a JSON text nests, counted in one pass over its brackets outside strings.
import Foundation

/// Why: the 64-level bound was checked only on YAML, so a JSON document nested 500 levels was
/// decoded recursively; `docs/bad-input.md` promises 64 for both. Public because the provider
/// webhooks bound their bodies the same way before Foundation decodes them.
public enum JSONDepth {
    /// True when `data` (valid JSON) opens more than `limit` objects or arrays inside each other.
    public static func exceeds<Bytes: Sequence<UInt8>>(_ limit: Int, in data: Bytes) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in data {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > limit { return true }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return false
    }
}
