// UTC calendar dates and times of day from epoch seconds, formatted by hand (no locale, no Foundation formatter).

/// A UTC date and time of day. Why by hand: Foundation's formatters depend on the locale and
/// the platform's ICU data, and a chart must give the same bytes everywhere.
struct CivilTime: Equatable {
    var year: Int
    var month: Int // 1...12
    var day: Int // 1...31
    var hour: Int
    var minute: Int

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Seconds are clamped to about ±3,000 years around 1970, so any input converts.
    static let limit = 95_000_000_000.0

    init(seconds raw: Double) {
        let seconds = raw.isFinite ? min(max(raw, -Self.limit), Self.limit) : 0
        let whole = Int(seconds.rounded(.down))
        let days = whole >= 0 ? whole / 86_400 : -((-whole + 86_399) / 86_400)
        let secondOfDay = whole - days * 86_400
        (year, month, day) = Self.civil(fromDays: days)
        hour = secondOfDay / 3_600
        minute = secondOfDay % 3_600 / 60
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    static func civil(fromDays days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since 1970-01-01 of a civil date (the inverse of `civil(fromDays:)`).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    var monthName: String { Self.monthNames[max(0, min(11, month - 1))] }
    /// "Jan 5"
    var monthDay: String { "\(monthName) \(day)" }
    /// "Jan 5 2026"
    var fullDate: String { "\(monthName) \(day) \(year)" }
    /// "Feb 2026"
    var monthYear: String { "\(monthName) \(year)" }
    /// "14:00"
    var clock: String { (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)" }
    /// "2026-01-05"
    var isoDate: String {
        let m = month < 10 ? "0\(month)" : "\(month)", d = day < 10 ? "0\(day)" : "\(day)"
        return "\(year)-\(m)-\(d)"
    }
}
