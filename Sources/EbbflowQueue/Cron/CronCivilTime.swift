// Time-zone-free Gregorian date arithmetic on wall-clock minutes.
import EbbflowCore

/// A wall-clock minute: what a clock on the wall shows, with no time zone.
///
/// The matcher works entirely in these (counted as minutes since
/// 1970-01-01 00:00 *wall time*) and only the DST resolver maps them to real
/// instants. Plain integer arithmetic keeps the hot loop free of Foundation
/// `Calendar` calls, which are slow and whose DST "nudging" of missing times
/// would hide exactly the cases we need to see.
struct CronCivilTime: Sendable, Hashable {
    var year: Int
    var month: Int
    var day: Int
    var hour: Int
    var minute: Int

    init(year: Int, month: Int, day: Int, hour: Int, minute: Int) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
    }

    /// Decomposes minutes since 1970-01-01 00:00 (wall time).
    init(minutes: Int) {
        let days = CivilCalendar.floorDiv(minutes, 1_440)
        let minuteOfDay = minutes - days * 1_440
        let date = CivilCalendar.civil(fromDays: days)
        self.init(
            year: date.year, month: date.month, day: date.day,
            hour: minuteOfDay / 60, minute: minuteOfDay % 60)
    }

    /// Minutes since 1970-01-01 00:00 (wall time).
    var minutes: Int {
        CivilCalendar.days(year: year, month: month, day: day) * 1_440 + hour * 60 + minute
    }

    // MARK: - Calendar arithmetic (the date maths itself: EbbflowCore's CivilCalendar)

    /// 0 = Sunday ... 6 = Saturday, the cron numbering. 1970-01-01 was a Thursday.
    static func weekday(days: Int) -> Int {
        let weekday = (days + 4) % 7
        return weekday < 0 ? weekday + 7 : weekday
    }

    static func ceilDiv(_ value: Int, _ divisor: Int) -> Int {
        -CivilCalendar.floorDiv(-value, divisor)
    }
}
