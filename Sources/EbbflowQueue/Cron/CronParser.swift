// Parses a whole cron expression (five fields or an @macro) into a CronRule.

/// What a schedule fires on, once parsed.
enum CronRule: Sendable, Hashable {
    /// A classic five-field expression, evaluated on the wall clock of a zone.
    case fields(CronFieldSet)
    /// `@every DURATION`: fixed ticks aligned to the Unix epoch.
    case interval(CronInterval)
}

enum CronParser {
    /// The standard macros, spelled out as the five-field expressions they
    /// abbreviate (the same table as Vixie cron and croniter).
    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
        "@monthly": "0 0 1 * *",
        "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
        "@hourly": "0 * * * *",
    ]

    static func parse(_ expression: String) throws(CronParseError) -> CronRule {
        let words = expression.split(whereSeparator: \.isWhitespace)
        guard let first = words.first else {
            throw CronParseError(field: nil, value: expression, reason: "expression is empty")
        }
        if first.hasPrefix("@") {
            return try parseMacro(first.lowercased(), arguments: words.dropFirst(), expression: expression)
        }
        return .fields(try parseFields(words, expression: expression))
    }

    private static func parseMacro(
        _ name: String, arguments: ArraySlice<Substring>,
        expression: String
    ) throws(CronParseError) -> CronRule {
        if name == "@every" {
            guard arguments.count == 1, let interval = CronInterval.parseDuration(arguments[arguments.startIndex])
            else {
                throw CronParseError(
                    field: nil, value: expression,
                    reason:
                        "@every needs one positive duration such as 90s, 15m, 1h30m or 2d (units d, h, m, s, largest first)"
                )
            }
            return .interval(interval)
        }
        guard let expansion = macros[name] else {
            throw CronParseError(
                field: nil, value: expression,
                reason:
                    "unknown macro (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every DURATION)"
            )
        }
        guard arguments.isEmpty else {
            throw CronParseError(field: nil, value: expression, reason: "\(name) takes no arguments")
        }
        return .fields(try parseFields(expansion.split(separator: " "), expression: expression))
    }

    private static func parseFields(_ words: [Substring], expression: String) throws(CronParseError) -> CronFieldSet {
        guard words.count == 5 else {
            throw CronParseError(
                field: nil, value: expression,
                reason: "expected 5 fields (minute hour day-of-month month day-of-week), found \(words.count)")
        }
        return CronFieldSet(
            minute: try CronFieldParser.parse(words[0], kind: .minute),
            hour: try CronFieldParser.parse(words[1], kind: .hour),
            dayOfMonth: try CronFieldParser.parse(words[2], kind: .dayOfMonth),
            month: try CronFieldParser.parse(words[3], kind: .month),
            dayOfWeek: try CronFieldParser.parse(words[4], kind: .dayOfWeek)
        )
    }
}
