// Tests for five-field matching: steps, names, the day-of-month/day-of-week OR rule, macros, calendar edges.

import EbbflowQueue
import Foundation
import Testing

struct CronScheduleTests {
    private func fires(_ expression: String, after start: String, count: Int = 5) throws -> [String] {
        try TestTime.fires(expression, after: start, count: count)
    }

    @Test func stepsRangesAndLists() throws {
        #expect(
            try fires("*/15 * * * *", after: "2024-05-01T10:07:00Z", count: 3)
                == ["2024-05-01T10:15:00+00:00", "2024-05-01T10:30:00+00:00", "2024-05-01T10:45:00+00:00"])
        #expect(
            try fires("10-50/20 9 * * *", after: "2024-05-01T00:00:00Z", count: 4)
                == [
                    "2024-05-01T09:10:00+00:00", "2024-05-01T09:30:00+00:00", "2024-05-01T09:50:00+00:00",
                    "2024-05-02T09:10:00+00:00",
                ])
        // `5/10` = from 5 to the end of the field, every 10.
        #expect(
            try fires("5/10 0 * * *", after: "2024-05-01T00:00:00Z", count: 7).map {
                String($0.dropFirst(14).prefix(2))
            }
                == ["05", "15", "25", "35", "45", "55", "05"])
        #expect(
            try fires("1,5,10 0 1 1 *", after: "2024-01-01T00:00:00Z", count: 3)
                == ["2024-01-01T00:01:00+00:00", "2024-01-01T00:05:00+00:00", "2024-01-01T00:10:00+00:00"])
        // A step larger than the field still yields its start.
        #expect(
            try fires("*/90 0 * * *", after: "2024-05-01T00:00:00Z", count: 2)
                == ["2024-05-02T00:00:00+00:00", "2024-05-03T00:00:00+00:00"])
    }

    @Test func strictlyAfterEvenOnAFireTimeOrMidSecond() throws {
        let schedule = try CronSchedule(parsing: "*/15 * * * *")
        #expect(schedule.next(after: TestTime.date("2024-05-01T10:15:00Z")) == TestTime.date("2024-05-01T10:30:00Z"))
        let justBefore = TestTime.date("2024-05-01T10:14:59Z").addingTimeInterval(0.999)
        #expect(schedule.next(after: justBefore) == TestTime.date("2024-05-01T10:15:00Z"))
    }

    @Test func monthAndDayNamesAnyCase() throws {
        #expect(
            try fires("0 9 * jan,JUL Mon-fri", after: "2024-06-28T00:00:00Z", count: 2)
                == ["2024-07-01T09:00:00+00:00", "2024-07-02T09:00:00+00:00"])
        #expect(
            try fires("0 0 1 feb-APR/2 *", after: "2024-01-01T00:00:00Z", count: 3)
                == ["2024-02-01T00:00:00+00:00", "2024-04-01T00:00:00+00:00", "2025-02-01T00:00:00+00:00"])
    }

    @Test func sundayIsZeroOrSeven() throws {
        // 2024-05-05 is a Sunday.
        let expected = ["2024-05-05T12:00:00+00:00", "2024-05-12T12:00:00+00:00"]
        for spelling in ["0", "7", "SUN", "sun", "0,7"] {
            #expect(try fires("0 12 * * \(spelling)", after: "2024-05-01T00:00:00Z", count: 2) == expected)
        }
        // Ranges may end on Sunday written as 7, 0 or SUN.
        let weekend = [
            "2024-05-03T12:00:00+00:00", "2024-05-04T12:00:00+00:00", "2024-05-05T12:00:00+00:00",
            "2024-05-10T12:00:00+00:00",
        ]
        for spelling in ["5-7", "FRI-SUN", "fri-0"] {
            #expect(try fires("0 12 * * \(spelling)", after: "2024-05-01T00:00:00Z", count: 4) == weekend)
        }
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothRestricted() throws {
        // The 13th OR any Friday: May 2024 Fridays are 3, 10, 17, 24, 31.
        #expect(
            try fires("0 0 13 * FRI", after: "2024-05-01T00:00:00Z", count: 4)
                == [
                    "2024-05-03T00:00:00+00:00", "2024-05-10T00:00:00+00:00", "2024-05-13T00:00:00+00:00",
                    "2024-05-17T00:00:00+00:00",
                ])
        #expect(
            try fires("0 0 1,15 * MON", after: "2024-04-30T00:00:00Z", count: 3)
                == ["2024-05-01T00:00:00+00:00", "2024-05-06T00:00:00+00:00", "2024-05-13T00:00:00+00:00"])
    }

    @Test func dayFieldsAreAndedWhenEitherStartsWithStar() throws {
        // `*/2` starts with `*`, so it is ANDed with Friday: odd days that are Fridays.
        #expect(
            try fires("0 0 */2 * FRI", after: "2024-05-01T00:00:00Z", count: 3)
                == ["2024-05-03T00:00:00+00:00", "2024-05-17T00:00:00+00:00", "2024-05-31T00:00:00+00:00"])
        // `*/1` in day-of-week restricts nothing, so only the 13th.
        #expect(
            try fires("0 0 13 * */1", after: "2024-05-01T00:00:00Z", count: 2)
                == ["2024-05-13T00:00:00+00:00", "2024-06-13T00:00:00+00:00"])
        // Friday the 13th needs AND semantics, which `*`-prefixed fields give.
        #expect(try fires("0 0 13 * *", after: "2024-05-01T00:00:00Z", count: 1) == ["2024-05-13T00:00:00+00:00"])
    }

    @Test func macros() throws {
        let start = "2024-05-01T10:30:00Z"
        #expect(
            try fires("@hourly", after: start, count: 2) == ["2024-05-01T11:00:00+00:00", "2024-05-01T12:00:00+00:00"])
        #expect(try fires("@daily", after: start, count: 1) == ["2024-05-02T00:00:00+00:00"])
        #expect(try fires("@midnight", after: start, count: 1) == ["2024-05-02T00:00:00+00:00"])
        #expect(try fires("@weekly", after: start, count: 1) == ["2024-05-05T00:00:00+00:00"])
        #expect(try fires("@monthly", after: start, count: 1) == ["2024-06-01T00:00:00+00:00"])
        #expect(try fires("@yearly", after: start, count: 1) == ["2025-01-01T00:00:00+00:00"])
        #expect(try fires("@ANNUALLY", after: start, count: 1) == ["2025-01-01T00:00:00+00:00"])
    }

    @Test func leapDays() throws {
        #expect(
            try fires("0 0 29 2 *", after: "2024-03-01T00:00:00Z", count: 2)
                == ["2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"])
        // 2100 is not a leap year: eight years between runs.
        #expect(try fires("0 0 29 2 *", after: "2096-03-01T00:00:00Z", count: 1) == ["2104-02-29T00:00:00+00:00"])
        // The rarest satisfiable kind: Feb 29 that is also a Sunday (AND, since `*/7` starts with `*`).
        #expect(
            try fires("0 0 29 2 */7", after: "2024-01-01T00:00:00Z", count: 3)
                == ["2032-02-29T00:00:00+00:00", "2060-02-29T00:00:00+00:00", "2088-02-29T00:00:00+00:00"])
    }

    @Test func endOfMonth() throws {
        #expect(
            try fires("0 0 31 * *", after: "2024-01-31T00:00:00Z", count: 4)
                == [
                    "2024-03-31T00:00:00+00:00", "2024-05-31T00:00:00+00:00", "2024-07-31T00:00:00+00:00",
                    "2024-08-31T00:00:00+00:00",
                ])
        #expect(
            try fires("0 0 30 * *", after: "2023-01-30T00:00:00Z", count: 2)
                == ["2023-03-30T00:00:00+00:00", "2023-04-30T00:00:00+00:00"])
        #expect(
            try fires("59 23 28-31 * *", after: "2023-02-27T00:00:00Z", count: 2)
                == ["2023-02-28T23:59:00+00:00", "2023-03-28T23:59:00+00:00"])
        #expect(try fires("0 0 * * *", after: "2024-12-31T23:59:59Z", count: 1) == ["2025-01-01T00:00:00+00:00"])
    }

    @Test(.timeLimit(.minutes(5)), arguments: ["0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31 2 */7"])
    func impossibleExpressionsReturnNilQuickly(expression: String) throws {
        for zone in ["UTC", "America/New_York", "Australia/Sydney"] {
            let schedule = try CronSchedule(parsing: expression, timeZone: TestTime.zone(zone))
            // The search is bounded (it returns nil, it does not spin); how fast belongs in a benchmark.
            #expect(schedule.next(after: TestTime.date("2024-01-01T00:00:00Z")) == nil)
            #expect(schedule.nextTimes(after: TestTime.date("2024-01-01T00:00:00Z"), count: 3).isEmpty)
        }
    }

    @Test func timeZoneWithoutDST() throws {
        let kolkata = TestTime.zone("Asia/Kolkata")
        let schedule = try CronSchedule(parsing: "0 9 * * *", timeZone: kolkata)
        #expect(schedule.next(after: TestTime.date("2024-05-01T00:00:00Z")) == TestTime.date("2024-05-01T03:30:00Z"))
    }

    @Test func valueSemantics() throws {
        let a = try CronSchedule(parsing: "  */5 * * * *\n")
        let b = try CronSchedule(parsing: "*/5 * * * *")
        #expect(a.expression == "*/5 * * * *")
        #expect(a == b)
        #expect(a.timeZone.secondsFromGMT(for: .now) == 0)
        #expect(a != (try CronSchedule(parsing: "*/5 * * * *", timeZone: TestTime.zone("Europe/London"))))
        #expect(a.nextTimes(after: .now, count: 0).isEmpty)
        #expect(a.nextTimes(after: .now, count: 10).count == 10)
    }
}
