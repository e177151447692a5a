// Test helpers: build instants and render them as ISO 8601 with the zone's offset.

import EbbflowCore
import Foundation

@testable import EbbflowQueue

/// Exact, locale-free conversions between instants and `2024-03-10T03:00:00-04:00`
/// text, so expectations read like the wall clock they describe and compare
/// byte-for-byte with Python's `isoformat()` in the fixture.
enum TestTime {
    static let utc = TimeZone(identifier: "UTC")!

    static func zone(_ identifier: String) -> TimeZone {
        guard let zone = TimeZone(identifier: identifier) else {
            fatalError("unknown time zone \(identifier)")
        }
        return zone
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS` followed by `Z` or `±HH:MM`.
    static func date(_ text: String) -> Date {
        let chars = Array(text.utf8)
        func number(_ start: Int, _ length: Int) -> Int {
            Int(String(decoding: chars[start..<start + length], as: UTF8.self))!
        }
        precondition(chars.count >= 20, "bad ISO 8601 text \(text)")
        let wall = CronCivilTime(
            year: number(0, 4), month: number(5, 2), day: number(8, 2),
            hour: number(11, 2), minute: number(14, 2))
        var offset = 0
        if chars[19] != UInt8(ascii: "Z") {
            let sign = chars[19] == UInt8(ascii: "-") ? -1 : 1
            offset = sign * (number(20, 2) * 3_600 + number(23, 2) * 60)
        }
        return Date(timeIntervalSince1970: Double(wall.minutes * 60 + number(17, 2) - offset))
    }

    /// Local wall time in `zone` with its UTC offset, like Python's `isoformat()`.
    static func iso(_ date: Date, _ zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: date)
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + offset
        let wall = CronCivilTime(minutes: CivilCalendar.floorDiv(seconds, 60))
        let second = seconds - CivilCalendar.floorDiv(seconds, 60) * 60
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(wall.year)-\(two(wall.month))-\(two(wall.day))T\(two(wall.hour)):\(two(wall.minute)):\(two(second))"
            + "\(sign)\(two(magnitude / 3_600)):\(two(magnitude % 3_600 / 60))"
    }

    /// The next `count` fire times of `expression` after `start`, as ISO text in `zone`.
    static func fires(
        _ expression: String, in zone: TimeZone = utc, after start: String,
        count: Int = 5
    ) throws -> [String] {
        let schedule = try CronSchedule(parsing: expression, timeZone: zone)
        return schedule.nextTimes(after: date(start), count: count).map { iso($0, zone) }
    }
}
