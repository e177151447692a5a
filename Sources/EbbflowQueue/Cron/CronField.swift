// The set of values one cron field allows, and the static facts about each field.

/// One of the five positional fields of a classic cron expression.
enum CronFieldKind: Int, Sendable, Hashable, CaseIterable {
    case minute, hour, dayOfMonth, month, dayOfWeek

    /// The name used in error messages, spelled the way crontab(5) does.
    var name: String {
        switch self {
        case .minute: "minute"
        case .hour: "hour"
        case .dayOfMonth: "day-of-month"
        case .month: "month"
        case .dayOfWeek: "day-of-week"
        }
    }

    /// Values a user may write. Day-of-week accepts 7 as a second spelling of
    /// Sunday because both conventions are in the wild and Vixie cron takes both.
    var writableRange: ClosedRange<Int> {
        switch self {
        case .minute: 0...59
        case .hour: 0...23
        case .dayOfMonth: 1...31
        case .month: 1...12
        case .dayOfWeek: 0...7
        }
    }

    /// What `*` and an open-ended `N/step` span. For day-of-week this stops at 6
    /// (Saturday) so that `*/2` and `1/2` agree with croniter; 7 would only
    /// duplicate Sunday.
    var naturalRange: ClosedRange<Int> {
        self == .dayOfWeek ? 0...6 : writableRange
    }

    /// Three-letter names accepted (case-insensitively) in place of numbers.
    var names: [String: Int] {
        switch self {
        case .month:
            [
                "JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
                "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12,
            ]
        case .dayOfWeek:
            ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6]
        default:
            [:]
        }
    }
}

/// The allowed values of one field, kept as a bitmask.
///
/// A bitmask makes both questions the search asks — "is v allowed?" and
/// "what is the next allowed value ≥ v?" — a couple of machine instructions,
/// which is what lets `next(after:)` jump field by field instead of stepping
/// minute by minute.
struct CronField: Sendable, Hashable {
    let kind: CronFieldKind
    /// Bit `v` is set when value `v` is allowed. Day-of-week 7 is folded into 0.
    let bits: UInt64
    /// Whether the field's text began with `*`. Vixie cron decides between the
    /// OR and AND combination of day-of-month and day-of-week on exactly this
    /// textual test (not on whether the values cover the whole range), so it
    /// has to be remembered from parsing.
    let startsWithStar: Bool

    init(kind: CronFieldKind, values: some Sequence<Int>, startsWithStar: Bool) {
        var bits: UInt64 = 0
        for value in values {
            let folded = (kind == .dayOfWeek && value == 7) ? 0 : value
            bits |= 1 << UInt64(folded)
        }
        self.kind = kind
        self.bits = bits
        self.startsWithStar = startsWithStar
    }

    func contains(_ value: Int) -> Bool {
        value >= 0 && value < 64 && bits & (1 << UInt64(value)) != 0
    }

    /// The smallest allowed value that is `>= value`, or `nil` if none is left
    /// in this field's cycle (the caller then carries into the next unit).
    func next(atOrAfter value: Int) -> Int? {
        guard value < 64 else { return nil }
        let remaining = value <= 0 ? bits : bits & ~((1 << UInt64(value)) - 1)
        return remaining == 0 ? nil : remaining.trailingZeroBitCount
    }

    /// True when every value of the field's natural range is allowed, i.e. the
    /// field does not restrict anything (`*`, `*/1`, `0-23`, ...).
    var isUnrestricted: Bool {
        kind.naturalRange.allSatisfy(contains)
    }
}
