// The x axis of time charts: UTC instants an hour or a day apart, and their date ticks.
import Foundation

/// The instants a chart's values belong to (one value per instant in each series), in UTC.
/// Ticks are dates and times ("Jan 5", "14:00", "Feb 2026"), never "day 37": a reader places
/// a dip next to the campaign that caused it by its date.
public struct TimeAxis: Sendable, Equatable {
    /// How far apart the instants are meant to be: it sets the width of a column, how a
    /// single instant is spread, and the ticks' kind.
    public enum Unit: Sendable, Equatable {
        case hour, day

        var seconds: Double { self == .hour ? 3_600 : 86_400 }
    }

    public var instants: [Date]
    public var unit: Unit

    public init(instants: [Date], unit: Unit) {
        self.instants = instants
        self.unit = unit
    }

    /// Midnight UTC of a `yyyy-MM-dd` date (`2026-01-05`; one-digit months and days are
    /// read too), or nil when `text` is not such a date. For the rows that carry their day as
    /// text (the simulator's CSV rows, a `date` column read as text).
    public static func utcDay(_ text: String) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ (1...4).contains($0.count) && $0.allSatisfy(\.isASCII) }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(day), year >= 0
        else { return nil }
        let days = CivilTime.days(year: year, month: month, day: day)
        guard CivilTime.civil(fromDays: days) == (year, month, day) else { return nil } // no Feb 30
        return Date(timeIntervalSince1970: Double(days) * 86_400)
    }

    /// The instant as a label of the data table and the description: "Jan 5 2026" for days,
    /// "Jan 5 2026 14:00" for hours.
    static func label(_ seconds: Double, unit: Unit) -> String {
        let time = CivilTime(seconds: seconds)
        return unit == .day ? time.fullDate : "\(time.fullDate) \(time.clock)"
    }

    /// Ticks between `start` and `end` (epoch seconds), at most about a dozen: hours ("14:00",
    /// and the date at midnight) up to a week of an hourly axis, then days ("Jan 5"), Mondays
    /// up to 13 weeks, first days of months ("Feb 2026") up to 3 years, then Januaries
    /// ("Jan 2027") every year or every few years.
    static func ticks(from start: Double, to end: Double, unit: Unit) -> [(at: Double, label: String)] {
        let span = end - start
        guard span.isFinite, span > 0, abs(start) < CivilTime.limit, abs(end) < CivilTime.limit else { return [] }
        let hour = 3_600.0, day = 86_400.0
        if unit == .hour && span <= 7 * day {
            let step = [1.0, 2, 3, 6, 12, 24].first { span / ($0 * hour) <= 8 } ?? 24
            return stepped(from: start, to: end, step: step * hour, offset: 0) { at in
                let time = CivilTime(seconds: at)
                return time.hour == 0 && time.minute == 0 ? time.monthDay : time.clock
            }
        }
        if span <= 14 * day {
            let step = span <= 10 * day ? 1.0 : 2
            return stepped(from: start, to: end, step: step * day, offset: 0) { CivilTime(seconds: $0).monthDay }
        }
        if span <= 91 * day {
            // Weeks start on Mondays; 1970-01-05 (day 4) was one.
            let step = span <= 49 * day ? 7.0 : 14
            return stepped(from: start, to: end, step: step * day, offset: 4 * day) { CivilTime(seconds: $0).monthDay }
        }
        let months = span <= 400 * day ? 1 : span <= 800 * day ? 2 : span <= 1_100 * day ? 3 : 12
        let years = max(1, Int((span / (3_652.5 * day)).rounded(.up))) // past 3 years: about 10 Januaries at most
        var ticks: [(at: Double, label: String)] = []
        let first = CivilTime(seconds: start)
        var (year, month) = (first.year, first.month)
        while ticks.count < 40 {
            let at = Double(CivilTime.days(year: year, month: month, day: 1)) * day
            if at > end { break }
            let chosen = months < 12 ? (month - 1) % months == 0 : month == 1 && year % years == 0
            if at >= start && chosen { ticks.append((at, CivilTime(seconds: at).monthYear)) }
            month += 1
            if month > 12 { (year, month) = (year + 1, 1) }
        }
        return ticks
    }

    /// Ticks every `step` seconds aligned to `offset`, from the first at or after `start`.
    private static func stepped(
        from start: Double, to end: Double, step: Double, offset: Double, label: (Double) -> String
    ) -> [(at: Double, label: String)] {
        var ticks: [(at: Double, label: String)] = []
        var at = ((start - offset) / step).rounded(.up) * step + offset
        while at <= end + 1e-6 && ticks.count < 40 {
            ticks.append((at, label(at)))
            at += step
        }
        return ticks
    }
}
