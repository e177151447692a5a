// Parses the text of a single cron field (lists, ranges, steps, names) into a CronField.

/// Grammar of one field, as in crontab(5):
///
///     field := item ("," item)*
///     item  := base ("/" step)?
///     base  := "*" | value | value "-" value
///     value := digits | three-letter month or day name (any case)
///
/// `N/step` (no range) means "from N to the end of the field, every step", the
/// way croniter and most modern crons read it. Ranges must not wrap
/// (`22-2` is rejected) because Vixie cron rejects them and a silent
/// reinterpretation is worse than an error; the one exception is a
/// day-of-week range ending on Sunday written as 0/`SUN` (`FRI-SUN`), which
/// is read as ending on 7 since that is plainly what is meant.
enum CronFieldParser {
    static func parse(_ text: Substring, kind: CronFieldKind) throws(CronParseError) -> CronField {
        var values: [Int] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else {
                throw CronParseError(field: kind.name, value: String(text), reason: "empty item in list")
            }
            values.append(contentsOf: try parseItem(String(item), kind: kind))
        }
        return CronField(kind: kind, values: values, startsWithStar: text.hasPrefix("*"))
    }

    private static func parseItem(_ item: String, kind: CronFieldKind) throws(CronParseError) -> [Int] {
        let parts = item.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            throw CronParseError(field: kind.name, value: item, reason: "more than one \"/\" step")
        }
        var step = 1
        if parts.count == 2 {
            let stepText = parts[1]
            guard !stepText.isEmpty, stepText.allSatisfy(\.isASCIIDigit),
                let parsed = Int(stepText), parsed >= 1
            else {
                throw CronParseError(
                    field: kind.name, value: item,
                    reason: "step must be a whole number of at least 1")
            }
            step = parsed
        }
        let base = parts[0]
        let low: Int
        var high: Int
        if base == "*" {
            low = kind.naturalRange.lowerBound
            high = kind.naturalRange.upperBound
        } else {
            let ends = base.split(separator: "-", omittingEmptySubsequences: false)
            switch ends.count {
            case 1:
                var start = try value(ends[0], kind: kind, item: item)
                if parts.count == 2 {
                    // `N/step`: open-ended up to the natural end of the field.
                    if kind == .dayOfWeek && start == 7 { start = 0 }
                    low = start
                    high = kind.naturalRange.upperBound
                } else {
                    low = start
                    high = start
                }
            case 2:
                low = try value(ends[0], kind: kind, item: item)
                high = try value(ends[1], kind: kind, item: item)
                if kind == .dayOfWeek && high == 0 && low > 0 { high = 7 }
                guard low <= high else {
                    throw CronParseError(
                        field: kind.name, value: item,
                        reason: "range start is greater than range end (wrap-around ranges are not supported)")
                }
            default:
                throw CronParseError(field: kind.name, value: item, reason: "malformed range")
            }
        }
        return Array(stride(from: low, through: high, by: step))
    }

    private static func value(_ text: Substring, kind: CronFieldKind, item: String) throws(CronParseError) -> Int {
        guard !text.isEmpty else {
            throw CronParseError(field: kind.name, value: item, reason: "missing value")
        }
        let range = kind.writableRange
        if text.allSatisfy(\.isASCIIDigit) {
            guard let number = Int(text), range.contains(number) else {
                throw CronParseError(
                    field: kind.name, value: String(text),
                    reason: "value out of range \(range.lowerBound)-\(range.upperBound)")
            }
            return number
        }
        if let named = kind.names[text.uppercased()] {
            return named
        }
        let reason =
            switch kind {
            case .month: "unknown month name (expected JAN-DEC or 1-12)"
            case .dayOfWeek: "unknown day name (expected SUN-SAT or 0-7)"
            default: "not a number"
            }
        throw CronParseError(field: kind.name, value: String(text), reason: reason)
    }
}

extension Character {
    /// Only ASCII 0-9: `Character.isNumber` would also accept other scripts'
    /// digits and fractions, which `Int(_:)` then refuses.
    fileprivate var isASCIIDigit: Bool {
        guard let ascii = asciiValue else { return false }
        return ascii >= 0x30 && ascii <= 0x39
    }
}
