// Tests for `@every DURATION`: parsing and epoch-aligned ticks.

import EbbflowQueue
import Foundation
import Testing

struct CronIntervalTests {
    private func ticks(_ expression: String, after start: String, zone: TimeZone = TestTime.utc) throws -> [String] {
        let schedule = try CronSchedule(parsing: expression, timeZone: zone)
        return schedule.nextTimes(after: TestTime.date(start), count: 3).map { TestTime.iso($0, TestTime.utc) }
    }

    @Test func fifteenMinutesAlignsToTheQuarterHour() throws {
        #expect(
            try ticks("@every 15m", after: "2024-05-01T10:07:30Z")
                == ["2024-05-01T10:15:00+00:00", "2024-05-01T10:30:00+00:00", "2024-05-01T10:45:00+00:00"])
    }

    @Test func strictlyAfterATick() throws {
        #expect(try ticks("@every 1h", after: "2024-05-01T10:00:00Z").first == "2024-05-01T11:00:00+00:00")
    }

    @Test func secondsAndCompoundDurations() throws {
        // 90 s ticks are the multiples of 90 since the epoch; 2024-05-01T00:00Z = 1714521600 = 19050240 × 90.
        #expect(
            try ticks("@every 90s", after: "2024-05-01T00:00:00Z")
                == ["2024-05-01T00:01:30+00:00", "2024-05-01T00:03:00+00:00", "2024-05-01T00:04:30+00:00"])
        // 1h30m = 5400 s; 1714521600 / 5400 = 317504 exactly.
        #expect(
            try ticks("@every 1h30m", after: "2024-05-01T00:00:00Z")
                == ["2024-05-01T01:30:00+00:00", "2024-05-01T03:00:00+00:00", "2024-05-01T04:30:00+00:00"])
        // 2d counts even days from 1970-01-01: 2024-05-01 is day 19844 (even).
        #expect(
            try ticks("@every 2d", after: "2024-05-01T00:00:00Z")
                == ["2024-05-03T00:00:00+00:00", "2024-05-05T00:00:00+00:00", "2024-05-07T00:00:00+00:00"])
        #expect(try ticks("@EVERY 1D2H", after: "1970-01-01T00:00:00Z").first == "1970-01-02T02:00:00+00:00")
    }

    @Test func ignoresTheTimeZoneAndDST() throws {
        // Elapsed-time ticks: identical instants in every zone, straight through a DST change.
        let newYork = TestTime.zone("America/New_York")
        #expect(
            try ticks("@every 1h", after: "2024-03-10T06:30:00Z", zone: newYork)
                == ["2024-03-10T07:00:00+00:00", "2024-03-10T08:00:00+00:00", "2024-03-10T09:00:00+00:00"])
    }

    @Test func beforeTheEpoch() throws {
        #expect(
            try ticks("@every 7m", after: "1969-12-31T23:50:00Z")
                == ["1969-12-31T23:53:00+00:00", "1970-01-01T00:00:00+00:00", "1970-01-01T00:07:00+00:00"])
    }

    @Test func everyWorkerComputesTheSameTicks() throws {
        let schedule = try CronSchedule(parsing: "@every 7m")
        let a = schedule.next(after: TestTime.date("2024-05-01T10:00:01Z"))
        let b = schedule.next(after: TestTime.date("2024-05-01T10:03:59Z"))
        #expect(a == b)
    }
}
