// The public entry point: a parsed cron schedule that computes its next fire times.

import Foundation

/// A parsed cron schedule bound to a time zone.
///
/// Accepts classic five-field expressions (`minute hour day-of-month month
/// day-of-week` with lists, ranges, steps, `*`, JAN-DEC / SUN-SAT names and
/// day-of-week 7 = Sunday), the macros `@hourly`, `@daily`/`@midnight`,
/// `@weekly`, `@monthly`, `@yearly`/`@annually`, and `@every DURATION`.
///
/// Semantics, chosen to match Vixie cron and Python's croniter (run with
/// `implement_cron_bug=True`) so results can be cross-checked:
/// - Day-of-month and day-of-week are OR-ed when both are restricted (neither
///   written starting with `*`), AND-ed otherwise (`CronFieldSet`).
/// - Five-field schedules are evaluated on the wall clock of `timeZone`;
///   DST gaps and repeats follow the rules documented on `CronZoneResolver`
///   (short version: a restricted-hour job such as `30 2 * * *` runs exactly
///   once on both DST days — at 03:00 on spring-forward, at the first 01:30 on
///   fall-back — while `*`-hour jobs follow the clock as it actually runs, and
///   a job whose minute or hour field starts with `*` (`*/30 1 * * 0`) runs in
///   both passes of a repeated fall-back hour, as Vixie cron and cronsim do).
/// - `@every` ticks are aligned to the Unix epoch and ignore the time zone
///   (`CronInterval`), so every worker computes the same instants.
///
/// A value type with no shared state: safe to share across tasks and cheap to
/// store in job rows and compare.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    /// The expression exactly as given (surrounding whitespace trimmed).
    public let expression: String
    /// The zone whose wall clock five-field expressions are read in.
    public let timeZone: TimeZone
    let rule: CronRule

    /// Parses `expression`; throws a `CronParseError` naming the bad field and value.
    public init(
        parsing expression: String,
        timeZone: TimeZone = TimeZone(identifier: "UTC")!
    ) throws(CronParseError) {
        let trimmed = expression.trimmingCharacters(in: .whitespacesAndNewlines)
        self.rule = try CronParser.parse(trimmed)
        self.expression = trimmed
        self.timeZone = timeZone
    }

    /// The first fire time strictly after `date`, or `nil` if the expression
    /// never fires within the search horizon (50 years; e.g. `0 0 30 2 *`).
    public func next(after date: Date) -> Date? {
        switch rule {
        case .fields(let fields):
            CronZoneResolver.next(after: date, fields: fields, timeZone: timeZone)
        case .interval(let interval):
            interval.next(after: date)
        }
    }

    /// Up to `count` consecutive fire times after `date`; shorter only when the
    /// schedule runs out (never fires again within the horizon).
    public func nextTimes(after date: Date, count: Int) -> [Date] {
        var times: [Date] = []
        times.reserveCapacity(max(0, min(count, 1_024)))
        var cursor = date
        while times.count < count, let time = next(after: cursor) {
            times.append(time)
            cursor = time
        }
        return times
    }

    public var description: String {
        "CronSchedule(\"\(expression)\", \(timeZone.identifier))"
    }
}
