// How numbers, shares and times read on the dashboard: "1,234", "12.5 %", "2026-12-07 14:05 UTC", "3 min".
import EbbflowCore
import Foundation

/// Why by hand and not with Foundation's formatters: the same bytes whatever the server's
/// locale (a test compares them), and no formatter object shared across threads.
enum ViewFormat {
    /// Thousands separated by commas.
    static func count(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    /// A share 0...1 as a percentage with one decimal.
    static func percent(_ share: Double) -> String {
        guard share.isFinite else { return "–" }
        let tenths = Int((share * 1_000).rounded())
        return "\(tenths / 10).\(abs(tenths % 10)) %"
    }

    /// A moment in UTC to the minute.
    static func time(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = CivilCalendar.floorDiv(seconds, 86_400)
        let (year, month, day) = CivilCalendar.civil(fromDays: days)
        let inDay = seconds - days * 86_400
        return "\(year)-\(two(month))-\(two(day)) \(two(inDay / 3_600)):\(two(inDay % 3_600 / 60)) UTC"
    }

    /// A moment in `zone` to the minute, with the zone's name: "2026-12-07 09:05 America/New_York".
    static func time(_ date: Date, in zone: TimeZone) -> String {
        guard zone.identifier != "UTC" && zone.identifier != "GMT" else { return time(date) }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return "\(parts.year ?? 0)-\(two(parts.month ?? 0))-\(two(parts.day ?? 0)) "
            + "\(two(parts.hour ?? 0)):\(two(parts.minute ?? 0)) \(zone.identifier)"
    }

    /// How far `date` is from `now`: "in 3 min", "5 h ago".
    static func relative(_ date: Date, now: Date) -> String {
        let seconds = date.timeIntervalSince(now)
        guard abs(seconds) >= 1 else { return "now" }
        return seconds >= 0 ? "in \(age(seconds: seconds))" : "\(age(seconds: -seconds)) ago"
    }

    /// A duration in its largest sensible unit: "42 s", "3 min", "5 h", "12 d".
    static func age(seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        switch seconds {
        case ..<120: return "\(Int(seconds)) s"
        case ..<7_200: return "\(Int(seconds / 60)) min"
        case ..<172_800: return "\(Int(seconds / 3_600)) h"
        default: return "\(Int(seconds / 86_400)) d"
        }
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
