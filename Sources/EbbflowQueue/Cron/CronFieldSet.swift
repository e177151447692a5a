// The five parsed fields together, and the search for the next matching wall-clock minute.
import EbbflowCore

/// A parsed five-field expression.
///
/// `firstMatch` answers a purely calendrical question — the earliest wall-clock
/// minute in a window whose fields all match — and knows nothing about time
/// zones; `CronZoneResolver` turns its answers into real instants.
struct CronFieldSet: Sendable, Hashable {
    let minute: CronField
    let hour: CronField
    let dayOfMonth: CronField
    let month: CronField
    let dayOfWeek: CronField

    /// The classic Vixie rule: if *both* day fields are restricted (neither is
    /// written starting with `*`), a day qualifies when *either* matches —
    /// `0 0 1,15 * MON` runs on the 1st, the 15th and every Monday. Otherwise
    /// both must match (an unrestricted field matches every day anyway, and
    /// `*/2`-style fields count as unrestricted here, as in Vixie cron).
    var combinesDaysWithOr: Bool {
        !dayOfMonth.startsWithStar && !dayOfWeek.startsWithStar
    }

    func matchesDay(day: Int, weekday: Int) -> Bool {
        combinesDaysWithOr
            ? dayOfMonth.contains(day) || dayOfWeek.contains(weekday)
            : dayOfMonth.contains(day) && dayOfWeek.contains(weekday)
    }

    /// The earliest wall minute `w` with `lower <= w < upper` matching every
    /// field, or `nil`.
    ///
    /// Jumps a whole month, day or hour whenever the coarser field fails, so the
    /// cost is bounded by months × days in the window, never by minutes; the
    /// `upper` bound is what guarantees termination for expressions that can
    /// never match, such as `0 0 30 2 *`.
    func firstMatch(from lower: Int, before upper: Int) -> Int? {
        guard lower < upper else { return nil }
        let lastDay = CivilCalendar.floorDiv(upper - 1, 1_440)
        let start = CronCivilTime(minutes: lower)
        var (year, monthValue, day, hourValue, minuteValue) =
            (start.year, start.month, start.day, start.hour, start.minute)

        while true {
            if !month.contains(monthValue) || day > CivilCalendar.daysInMonth(year: year, month: monthValue) {
                // Carry into the next allowed month, possibly next year.
                let from = month.contains(monthValue) ? monthValue + 1 : monthValue
                if let nextMonth = month.next(atOrAfter: from) {
                    monthValue = nextMonth
                } else {
                    year += 1
                    monthValue = month.next(atOrAfter: 1) ?? 1
                }
                (day, hourValue, minuteValue) = (1, 0, 0)
                if CivilCalendar.days(year: year, month: monthValue, day: 1) > lastDay { return nil }
                continue
            }
            let dayNumber = CivilCalendar.days(year: year, month: monthValue, day: day)
            if dayNumber > lastDay { return nil }
            if !matchesDay(day: day, weekday: CronCivilTime.weekday(days: dayNumber)) {
                // Under AND the day-of-month set alone tells us where to jump.
                if !combinesDaysWithOr, !dayOfMonth.contains(day) {
                    day = dayOfMonth.next(atOrAfter: day + 1) ?? 32
                } else {
                    day += 1
                }
                (hourValue, minuteValue) = (0, 0)
                continue
            }
            guard let nextHour = hour.next(atOrAfter: hourValue) else {
                (day, hourValue, minuteValue) = (day + 1, 0, 0)
                continue
            }
            if nextHour != hourValue { (hourValue, minuteValue) = (nextHour, 0) }
            guard let nextMinute = minute.next(atOrAfter: minuteValue) else {
                hourValue += 1
                minuteValue = 0
                if hourValue > 23 { (day, hourValue) = (day + 1, 0) }
                continue
            }
            let found = dayNumber * 1_440 + hourValue * 60 + nextMinute
            return found < upper ? found : nil
        }
    }
}
