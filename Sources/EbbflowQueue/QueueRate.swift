// A queue's rate limit as the user writes it (`14/s`, `600/m`), parsed strictly and bounded.
import EbbflowCore

/// At most `jobs` jobs started per second or per minute, across every worker.
public struct QueueRate: Sendable, Equatable, CustomStringConvertible {
    public enum Period: Int, Sendable {
        case second = 1
        case minute = 60
    }

    /// The largest `N`: far above any provider's sending limit, and small enough that the
    /// bucket's arithmetic stays exact in a double.
    public static let maximumJobs = 100_000
    public static let rule = "must be N/s or N/m, N a whole number from 1 to \(maximumJobs)"

    public let jobs: Int
    public let period: Period

    public init(jobs: Int, per period: Period) throws(BoundError) {
        guard jobs >= 1 && jobs <= Self.maximumJobs else {
            throw BoundError(field: "rate", value: "\(jobs)/\(period == .second ? "s" : "m")", bound: Self.rule)
        }
        self.jobs = jobs
        self.period = period
    }

    /// Parses `N/s` or `N/m` exactly: ASCII digits without sign, leading zero or spaces, then `/s` or `/m`.
    /// `field` is how the user wrote the input (`--rate`, `rate`).
    public init(parsing text: String, field: String = "--rate") throws(BoundError) {
        let refused = BoundError(field: field, value: Self.shown(text), bound: Self.rule)
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let unit = parts.last, unit == "s" || unit == "m", let digits = parts.first,
            !digits.isEmpty, digits.count <= 6, digits.first != "0",
            digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let jobs = Int(digits),
            jobs <= Self.maximumJobs
        else { throw refused }
        self.jobs = jobs
        period = unit == "s" ? .second : .minute
    }

    /// Jobs a second.
    public var perSecond: Double { Double(jobs) / Double(period.rawValue) }

    public var description: String { "\(jobs)/\(period == .second ? "s" : "m")" }

    /// The input as an error shows it: quoted, cut, control characters escaped.
    static func shown(_ text: String) -> String {
        var shown = ""
        for scalar in text.unicodeScalars.prefix(32) {
            shown += QueueName.isLineBreakOrControl(scalar) ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return "\"" + shown + (text.unicodeScalars.count > 32 ? "…\"" : "\"")
    }
}
