// The queue names a worker can claim, checked at enqueue so no job waits in a queue nobody works.
import EbbflowCore
import Foundation

/// What a queue name may be.
///
/// Why: `worker --queues` splits on commas and trims white space at each end, so a job
/// enqueued to `default,sweeps`, ` default` or a name with a newline sat in a queue no worker
/// could ever name, and nothing said so. Only what `--queues` cannot express is refused: any
/// other name (`tenant:42`, `mail/high`, `émails`, `a b`) is claimable, so refusing it would
/// strand jobs and disable stored schedules that workers do claim. The same rule is checked at
/// every enqueue (library and CLI) and for each name a worker is given.
public enum QueueName {
    /// Bytes of UTF-8: long enough for any tenant or route naming, short enough to show.
    public static let maxLength = 128
    public static let rule =
        "must be 1 to 128 bytes, without a comma, control or line-break characters, or white space at either end (what a worker's --queues can name)"

    /// Refuses a name no worker can claim; `field` is how the user wrote it (`--queue`, `queue`).
    public static func check(_ name: String, field: String = "queue") throws(BoundError) {
        guard isClaimable(name) else { throw BoundError(field: field, value: shown(name), bound: rule) }
    }

    /// Whether `worker --queues` can name it: after splitting on commas and trimming
    /// `CharacterSet.whitespaces` at each end, the name must come back unchanged.
    public static func isClaimable(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= maxLength, !name.contains(",") else { return false }
        let scalars = name.unicodeScalars
        if CharacterSet.whitespacesAndNewlines.contains(scalars.first!)
            || CharacterSet.whitespacesAndNewlines.contains(scalars.last!)
        {
            return false
        }
        return !scalars.contains { isLineBreakOrControl($0) }
    }

    /// Control characters (a newline forges log lines) and U+2028/U+2029, which break lines too.
    public static func isLineBreakOrControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .lineSeparator, .paragraphSeparator: true
        default: false
        }
    }

    /// The name as an error shows it: quoted, control characters escaped, long ones cut.
    static func shown(_ name: String) -> String {
        var text = ""
        for scalar in name.unicodeScalars.prefix(40) {
            text += isLineBreakOrControl(scalar) ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return "\"" + text + (name.unicodeScalars.count > 40 ? "…\" (\(name.utf8.count) bytes)" : "\"")
    }
}
