// ISO 8601 input as users and files write it: an RFC 3339 time with its zone, or a bare date.
import Foundation

public enum ISO8601Text {
    /// 0001-01-01T00:00:00Z, the earliest run time a job may have. Why: PostgreSQL writes
    /// earlier years as `… BC`, which the COPY text path (year 0 in ISO form) cannot express;
    /// one bound for every enqueue path keeps `--count 1` and `--count 2` alike.
    public static let earliestRunAt = Date(timeIntervalSince1970: -62_135_596_800)

    /// The instant `text` names, or nil. Accepted: `2026-01-01T09:00:00Z`, with fractional
    /// seconds, an offset (`+02:00`, `+0200`), a space or lowercase `t`/`z` (RFC 3339); a bare
    /// date is midnight UTC.
    ///
    /// Strict on purpose: Foundation's `ISO8601DateFormatter` read `2025-03-08T10:00:00` (no
    /// zone) as the bare date, dropping the time, and rolled `2025-02-30` over to March 2, so a
    /// job asked for at one time was enqueued at another without a word. A time without a zone,
    /// an impossible date or time, or anything left over is refused.
    public static func parse(_ text: String) -> Date? {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(digits: 4), scanner.take("-"),
            let month = scanner.number(digits: 2), scanner.take("-"),
            let day = scanner.number(digits: 2),
            (1...12).contains(month), (1...CivilCalendar.daysInMonth(year: year, month: month)).contains(day)
        else { return nil }
        if scanner.atEnd { return instant(year, month, day, 0, 0, 0, 0, offsetSeconds: 0) }
        guard scanner.take("T") || scanner.take("t") || scanner.take(" "),
            let hour = scanner.number(digits: 2), scanner.take(":"),
            let minute = scanner.number(digits: 2), scanner.take(":"),
            let second = scanner.number(digits: 2),
            hour <= 23, minute <= 59, second <= 59
        else { return nil }
        var fraction = 0.0
        if scanner.take(".") {
            guard let digits = scanner.digitRun(), !digits.isEmpty, let value = Double("0." + digits) else {
                return nil
            }
            fraction = value
        }
        let offset: Int
        if scanner.take("Z") || scanner.take("z") {
            offset = 0
        } else if let sign = scanner.take("+") ? 1 : (scanner.take("-") ? -1 : nil),
            let hours = scanner.number(digits: 2)
        {
            _ = scanner.take(":")
            guard let minutes = scanner.number(digits: 2), hours <= 23, minutes <= 59 else { return nil }
            offset = sign * (hours * 3_600 + minutes * 60)
        } else {
            return nil // no zone: which instant was meant is unknown
        }
        guard scanner.atEnd else { return nil }
        return instant(year, month, day, hour, minute, second, fraction, offsetSeconds: offset)
    }

    /// Proleptic Gregorian throughout, as RFC 3339 and PostgreSQL count (`CivilCalendar`;
    /// Foundation's gregorian calendar turns Julian before October 1582).
    private static func instant(
        _ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int,
        _ fraction: Double, offsetSeconds: Int
    ) -> Date {
        let days = CivilCalendar.days(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}

/// Reads ASCII digits and separators off the front of a string's bytes.
private struct DigitScanner {
    let bytes: [UInt8]
    var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { position == bytes.count }

    /// Consumes `character` if it comes next.
    mutating func take(_ character: Character) -> Bool {
        guard position < bytes.count, let ascii = character.asciiValue, bytes[position] == ascii else { return false }
        position += 1
        return true
    }

    /// Exactly `digits` digits as a number.
    mutating func number(digits: Int) -> Int? {
        guard position + digits <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[position..<position + digits] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        position += digits
        return value
    }

    /// All the digits that come next, as text.
    mutating func digitRun() -> String? {
        let start = position
        while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) {
            position += 1
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }
}
