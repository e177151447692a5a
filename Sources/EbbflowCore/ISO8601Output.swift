// Instants printed as ISO 8601 in the proleptic Gregorian calendar, as PostgreSQL stores and shows them.
import Foundation

extension ISO8601Text {
    /// The last instant every command accepts back as input and prints with a four-digit year:
    /// 9999-12-31T23:59:59Z. `ISO8601Text.parse` reads four-digit years only.
    public static let lastPrintable = Date(timeIntervalSince1970: 253_402_300_799)
    /// The first: 0000-01-01T00:00:00Z.
    public static let firstPrintable = Date(timeIntervalSince1970: -62_167_219_200)

    /// `date` as `2026-01-01T09:00:00Z` (or with the zone's offset, `…T04:00:00-05:00`), whole
    /// seconds unless `fractionalSeconds` (then six digits, for COPY and round trips).
    ///
    /// Why not Foundation's formatters: they switch to the Julian calendar before October 1582,
    /// so a time PostgreSQL stores as `0001-01-01` printed as `0001-01-03` and a preview could
    /// list a time that looked earlier than its `--from`. This is the calendar `parse` reads and
    /// PostgreSQL counts in (`CivilCalendar`), so what is printed reads back as the same instant.
    public static func string(_ date: Date, in zone: TimeZone? = nil, fractionalSeconds: Bool = false) -> String {
        let unix = date.timeIntervalSince1970
        // Far beyond any year a timestamptz holds: nothing meaningful to print (and no trap).
        guard unix.isFinite, abs(unix) < 1e15 else { return unix > 0 || unix.isNaN ? "infinity" : "-infinity" }
        let whole = unix.rounded(.down)
        var micros = Int(((unix - whole) * 1e6).rounded())
        var seconds = Int(whole)
        if micros == 1_000_000 { micros = 0; seconds += 1 }
        let offset = zone.map { $0.secondsFromGMT(for: date) } ?? 0
        let local = seconds + offset
        let days = CivilCalendar.floorDiv(local, 86_400)
        let secondOfDay = local - days * 86_400
        let (year, month, day) = CivilCalendar.civil(fromDays: days)
        var text =
            yearText(year) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T"
            + pad(secondOfDay / 3_600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        if fractionalSeconds { text += "." + pad(micros, 6) }
        return text + offsetText(offset)
    }

    /// Four digits for 0…9999 (ISO 8601's basic range); a sign and more digits beyond it.
    static func yearText(_ year: Int) -> String {
        (0...9_999).contains(year) ? pad(year, 4) : (year < 0 ? "-" : "+") + pad(abs(year), 4)
    }

    static func offsetText(_ offset: Int) -> String {
        guard offset != 0 else { return "Z" }
        let magnitude = abs(offset)
        let text = (offset < 0 ? "-" : "+") + pad(magnitude / 3_600, 2) + ":" + pad(magnitude / 60 % 60, 2)
        // Local mean time before standard zones had whole-minute offsets (New York: -04:56:02).
        return magnitude % 60 == 0 ? text : text + ":" + pad(magnitude % 60, 2)
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
