// Proleptic Gregorian date arithmetic on plain integers: days since 1970-01-01 and back.

/// The calendar RFC 3339 and PostgreSQL count in, Gregorian before 1582 too, as integer
/// arithmetic: the cron matcher runs it in its hot loop, where Foundation's `Calendar` is slow
/// (and turns Julian before October 1582), and ISO 8601 input is read with it.
public enum CivilCalendar {
    @inlinable public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    @inlinable public static func daysInMonth(year: Int, month: Int) -> Int {
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
    @inlinable public static func days(year: Int, month: Int, day: Int) -> Int {
        let marchYear = month <= 2 ? year - 1 : year
        let era = floorDiv(marchYear, 400)
        let yearOfEra = marchYear - era * 400 // 0...399
        let marchMonth = (month + 9) % 12 // Mar = 0 ... Feb = 11
        let dayOfYear = (153 * marchMonth + 2) / 5 + day - 1 // 0...365
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468 // 719468 = 0000-03-01 → 1970-01-01
    }

    /// Inverse of `days(year:month:day:)`.
    @inlinable public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = floorDiv(shifted, 146_097)
        let dayOfEra = shifted - era * 146_097 // 0...146096
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let marchMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * marchMonth + 2) / 5 + 1
        let month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    @inlinable public static func floorDiv(_ value: Int, _ divisor: Int) -> Int {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
