// Time-zone-free Gregorian date arithmetic on wall-clock minutes.

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
        let days = Self.floorDiv(minutes, 1_440)
        let minuteOfDay = minutes - days * 1_440
        let date = Self.civil(fromDays: days)
        self.init(year: date.year, month: date.month, day: date.day,
                  hour: minuteOfDay / 60, minute: minuteOfDay % 60)
    }

    /// Minutes since 1970-01-01 00:00 (wall time).
    var minutes: Int {
        Self.days(year: year, month: month, day: day) * 1_440 + hour * 60 + minute
    }

    // MARK: - Calendar arithmetic

    static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar.
    ///
    /// Counts from a March-based year so the leap day falls at the end of the
    /// year, which turns the month lengths into a simple linear formula.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let marchYear = month <= 2 ? year - 1 : year
        let era = floorDiv(marchYear, 400)
        let yearOfEra = marchYear - era * 400                                  // 0...399
        let marchMonth = (month + 9) % 12                                      // Mar = 0 ... Feb = 11
        let dayOfYear = (153 * marchMonth + 2) / 5 + day - 1                   // 0...365
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468                              // 719468 = 0000-03-01 → 1970-01-01
    }

    /// Inverse of `days(year:month:day:)`.
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = floorDiv(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097                                 // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let marchMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * marchMonth + 2) / 5 + 1
        let month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// 0 = Sunday ... 6 = Saturday, the cron numbering. 1970-01-01 was a Thursday.
    static func weekday(days: Int) -> Int {
        let weekday = (days + 4) % 7
        return weekday < 0 ? weekday + 7 : weekday
    }

    static func floorDiv(_ value: Int, _ divisor: Int) -> Int {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    static func ceilDiv(_ value: Int, _ divisor: Int) -> Int {
        -floorDiv(-value, divisor)
    }
}
