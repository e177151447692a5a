// Times typed by users and files: RFC 3339 with a zone, or a bare date; nothing lenient.
import EbbflowCore
import Foundation
import Testing

@Suite struct ISO8601TextTests {
    /// 2026-01-01T09:00:00Z.
    static let nine = Date(timeIntervalSince1970: 1_767_258_000)

    @Test(arguments: [
        "2026-01-01T09:00:00Z", "2026-01-01T11:00:00+02:00", "2026-01-01T11:00:00+0200",
        "2026-01-01T04:30:00-04:30", "2026-01-01 09:00:00Z", "2026-01-01t09:00:00z",
    ])
    func theSameInstantHoweverWritten(_ text: String) {
        #expect(ISO8601Text.parse(text) == Self.nine, "\(text)")
    }

    @Test func fractionsAndBareDates() {
        #expect(ISO8601Text.parse("2026-01-01T09:00:00.250Z") == Self.nine.addingTimeInterval(0.25))
        #expect(ISO8601Text.parse("2026-01-01") == Self.nine.addingTimeInterval(-9 * 3_600))
        #expect(ISO8601Text.parse("2024-02-29") != nil)
        #expect(ISO8601Text.parse("2000-02-29T00:00:00Z") == Date(timeIntervalSince1970: 951_782_400))
        #expect(ISO8601Text.parse("1970-01-01") == Date(timeIntervalSince1970: 0))
        #expect(ISO8601Text.parse("1969-12-31T23:59:59Z") == Date(timeIntervalSince1970: -1))
        // Proleptic Gregorian, as PostgreSQL counts: not Julian before 1582 (`extract(epoch …)`).
        #expect(ISO8601Text.parse("1000-03-01") == Date(timeIntervalSince1970: -30_605_126_400))
        #expect(ISO8601Text.parse("1582-10-10") == Date(timeIntervalSince1970: -12_219_724_800))
    }

    /// Each of these was once read as some other instant without a word (the time dropped, the
    /// date rolled over); each is refused now.
    @Test(arguments: [
        "2025-03-08T10:00:00", "2025-02-30T00:00:00Z", "2025-04-31", "2023-02-29", "1900-02-29",
        "2025-03-08T25:00:00Z", "2025-03-08T10:61:00Z", "2025-03-08T10:00:60Z", "2025-03-08T10:00:00+25:00",
        "2025-03-08T10:00:00Zjunk", "2025-03-08junk", "2025-3-8", "2025-03-08T10:00Z", "2025-03-08T10:00:00.Z",
        "", "tomorrow", "2025-13-01",
    ])
    func impossibleOrAmbiguousTimesAreRefused(_ text: String) {
        #expect(ISO8601Text.parse(text) == nil, "\(text)")
    }

    /// Printed in the calendar it is parsed in (and PostgreSQL stores): Foundation's formatters
    /// switch to Julian before October 1582 and printed 0001-01-01 as 0001-01-03.
    @Test(arguments: [
        "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1582-10-04T12:00:00Z", "1582-10-15T00:00:00Z",
        "1969-12-31T23:59:59Z", "2026-01-01T09:00:00Z", "9999-12-31T23:59:59Z",
    ])
    func printedAsParsed(_ text: String) throws {
        let date = try #require(ISO8601Text.parse(text))
        #expect(ISO8601Text.string(date) == text)
    }

    @Test func zonesFractionsAndTheEdges() throws {
        let nine = Self.nine
        #expect(ISO8601Text.string(nine, in: TimeZone(identifier: "America/New_York")!) == "2026-01-01T04:00:00-05:00")
        #expect(ISO8601Text.string(nine, in: TimeZone(identifier: "Asia/Kolkata")!) == "2026-01-01T14:30:00+05:30")
        #expect(
            ISO8601Text.string(nine.addingTimeInterval(0.25), fractionalSeconds: true) == "2026-01-01T09:00:00.250000Z")
        #expect(
            ISO8601Text.string(nine.addingTimeInterval(-0.0000001), fractionalSeconds: true)
                == "2026-01-01T09:00:00.000000Z")
        #expect(ISO8601Text.string(ISO8601Text.lastPrintable) == "9999-12-31T23:59:59Z")
        #expect(ISO8601Text.string(ISO8601Text.firstPrintable) == "0000-01-01T00:00:00Z")
        #expect(ISO8601Text.string(ISO8601Text.lastPrintable.addingTimeInterval(1)) == "+10000-01-01T00:00:00Z")
        #expect(ISO8601Text.string(Date(timeIntervalSince1970: .infinity)) == "infinity")
        #expect(ISO8601Text.string(Date(timeIntervalSince1970: .nan)) == "infinity")
        #expect(ISO8601Text.string(Date(timeIntervalSince1970: -1e300)) == "-infinity")
    }
}
