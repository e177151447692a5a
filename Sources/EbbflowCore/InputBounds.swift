// The bounds on every number and duration a person types, and the one error that names the field, the value and the bound.

/// A typed value outside its documented bounds (or not a value at all).
///
/// Why one type: flags, policies, stream documents and imports all refuse out-of-range input the
/// same way, so a user reads the same three facts everywhere (`field`, what was given, the bound)
/// and `docs/bad-input.md` can list one message shape. Nothing a person types may reach an
/// encoder or date arithmetic unbounded: `99999999999d` once trapped workers in a crash loop.
public struct BoundError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The flag or document path, as the user wrote it: `--every`, `default.frequency_cap.per_days`.
    public var field: String
    /// The value as given, quoted when it was text.
    public var value: String
    /// What would have been accepted: `must be at most 3650d (ten years)`.
    public var bound: String

    public init(field: String, value: String, bound: String) {
        self.field = field
        self.value = value
        self.bound = bound
    }

    public var description: String { "\(field) \(value): \(bound)" }
}

/// The limits themselves, in one place so the docs and the checks cannot drift apart.
public enum InputBounds {
    /// The longest duration any input takes: ten years. Why: every wait, cooldown, cap window
    /// and look-back is added to the database clock and stored as a `timestamptz`; ten years is
    /// far beyond any marketing rhythm and far inside what PostgreSQL and `Date` can hold.
    public static let maxDurationSeconds: Double = 3_650 * 86_400
    /// The same bound in days, for fields given as day counts (`cooldown_days`, `per_days`).
    public static let maxDays = 3_650

    /// The seconds in a duration such as `3d` or `1d12h`, refused unless within
    /// `minimum...maximum` (by default more than zero and at most ten years).
    public static func duration(
        _ text: String, field: String, minimum: Double = 1, maximum: Double = maxDurationSeconds
    ) throws(BoundError) -> Double {
        guard let seconds = DurationText.seconds(text) else {
            throw BoundError(
                field: field, value: "\"\(text)\"", bound: "is not a duration such as 90s, 15m, 12h, 3d or 1d12h")
        }
        guard seconds >= minimum else {
            throw BoundError(field: field, value: "\"\(text)\"", bound: "must be at least \(describe(minimum))")
        }
        guard seconds <= maximum else {
            throw BoundError(field: field, value: "\"\(text)\"", bound: "must be at most \(describe(maximum))")
        }
        return seconds
    }

    /// A duration already in seconds (from code, not text) refused unless finite and within
    /// `minimum...maximum`. Why: library entry points (`FlowStore.start`, `DatabaseClock.advance`)
    /// feed these straight into date arithmetic, whoever called them.
    public static func seconds(
        _ value: Double, field: String, minimum: Double = 1, maximum: Double = maxDurationSeconds
    ) throws(BoundError) -> Double {
        // DurationText.text converts to Int: only for values it can hold.
        let shown = !value.isFinite ? "\(value)" : abs(value) < 1e15 ? DurationText.text(seconds: value) : "\(value)s"
        guard value.isFinite, value >= minimum else {
            throw BoundError(field: field, value: shown, bound: "must be at least \(describe(minimum))")
        }
        guard value <= maximum else {
            throw BoundError(field: field, value: shown, bound: "must be at most \(describe(maximum))")
        }
        return value
    }

    /// A whole number refused unless within `range`.
    public static func integer(_ value: Int, field: String, in range: ClosedRange<Int>) throws(BoundError) -> Int {
        guard range.contains(value) else {
            throw BoundError(
                field: field, value: "\(value)", bound: "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    /// A number refused when it is NaN, infinite, or outside `range`.
    public static func number(_ value: Double, field: String, in range: ClosedRange<Double>) throws(BoundError)
        -> Double
    {
        guard value.isFinite else {
            throw BoundError(field: field, value: "\(value)", bound: "must be a finite number")
        }
        guard range.contains(value) else {
            throw BoundError(
                field: field, value: "\(value)", bound: "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        return value
    }

    /// Text refused when its UTF-8 is more than `maximum` bytes: `999 bytes: at most 998`, the
    /// bound said again in `unit` (`512 KiB`) for a large one. Why bytes: what is stored, sent
    /// and rendered is UTF-8, and a limit in characters would let a few emoji run far past it.
    public static func bytes(_ text: String, field: String, maximum: Int, unit: String? = nil) throws(BoundError)
        -> String
    {
        let count = text.utf8.count
        guard count <= maximum else {
            throw BoundError(
                field: field, value: "\(count) bytes", bound: "at most \(maximum)" + (unit.map { " (\($0))" } ?? ""))
        }
        return text
    }

    /// A bound as the user writes one: `3650d (ten years)`, `1s` (not `1.0s`: a whole number of
    /// seconds under a minute needs no decimal), `10m`.
    static func describe(_ seconds: Double) -> String {
        if seconds == maxDurationSeconds { return "3650d (ten years)" }
        if seconds == 0 { return "0s" }
        // A bound is a round figure: say it in its one unit ("1d", not "1d0h").
        for (unit, size) in [("d", 86_400.0), ("h", 3_600.0), ("m", 60.0), ("s", 1.0)]
        where seconds >= size && (seconds / size).rounded() == seconds / size {
            return "\(Int(seconds / size))\(unit)"
        }
        return DurationText.text(seconds: seconds)
    }
}
