// The error thrown when a cron expression cannot be parsed.

/// Why a cron expression was rejected.
///
/// The message always quotes the offending text and, when the problem lies in
/// one field, names that field: people edit cron strings by hand and need to
/// see *which* of five look-alike columns is wrong, e.g.
/// `minute field "61": value out of range 0-59`.
public struct CronParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The field at fault (`"minute"`, `"hour"`, `"day-of-month"`, `"month"`,
    /// `"day-of-week"`), or `nil` when the expression as a whole is at fault
    /// (empty, wrong number of fields, unknown macro, bad `@every` duration).
    public let field: String?
    /// The exact text that was rejected.
    public let value: String
    /// What is wrong with `value`, phrased so it can follow a colon.
    public let reason: String

    public init(field: String?, value: String, reason: String) {
        self.field = field
        self.value = value
        self.reason = reason
    }

    public var description: String {
        if let field {
            return "\(field) field \"\(value)\": \(reason)"
        }
        return "cron expression \"\(value)\": \(reason)"
    }
}
