// The queue names a worker can claim, checked at enqueue so no job waits in a queue nobody works.
import EbbflowCore

/// What a queue name may be.
///
/// Why: `worker --queues` splits on commas and trims spaces, so a job enqueued to
/// `default,sweeps`, ` default` or an 8 KB name sat in a queue no worker could ever name, and
/// nothing said so. The rule is the one `--queues` can express, checked at every enqueue
/// (library and CLI) and for each name a worker is given.
public enum QueueName {
    public static let maxLength = 63
    public static let rule = "must be 1 to 63 characters: letters, digits, '_', '-' or '.' (what a worker's --queues can name)"

    /// Refuses a name no worker can claim; `field` is how the user wrote it (`--queue`, `queue`).
    public static func check(_ name: String, field: String = "queue") throws(BoundError) {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
        }
        guard !name.isEmpty, name.utf8.count <= maxLength, allowed else {
            throw BoundError(field: field, value: shown(name), bound: rule)
        }
    }

    /// The name as an error shows it: quoted, control characters escaped, long ones cut.
    static func shown(_ name: String) -> String {
        var text = ""
        for scalar in name.unicodeScalars.prefix(40) {
            text += scalar.properties.generalCategory == .control ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return "\"" + text + (name.unicodeScalars.count > 40 ? "…\" (\(name.utf8.count) bytes)" : "\"")
    }
}
