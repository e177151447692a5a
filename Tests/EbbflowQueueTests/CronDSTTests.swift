// Tests for the DST rule: missing wall times run once at the gap's end; repeated ones once (fixed time) or in both passes (wildcard minute or hour).

import EbbflowQueue
import Foundation
import Testing

/// America/New_York: 2024-03-10 02:00 EST → 03:00 EDT; 2024-11-03 02:00 EDT → 01:00 EST.
/// Europe/London:    2024-03-31 01:00 GMT → 02:00 BST; 2024-10-27 02:00 BST → 01:00 GMT.
struct CronDSTTests {
    let newYork = TestTime.zone("America/New_York")
    let london = TestTime.zone("Europe/London")

    // MARK: spring forward

    @Test func missingTimeRunsOnceAtTheEndOfTheGap() throws {
        #expect(
            try TestTime.fires("30 2 * * *", in: newYork, after: "2024-03-09T12:00:00-05:00", count: 3)
                == ["2024-03-10T03:00:00-04:00", "2024-03-11T02:30:00-04:00", "2024-03-12T02:30:00-04:00"])
        #expect(
            try TestTime.fires("30 1 * * *", in: london, after: "2024-03-30T12:00:00+00:00", count: 2)
                == ["2024-03-31T02:00:00+01:00", "2024-04-01T01:30:00+01:00"])
    }

    @Test func severalMissingTimesCollapseIntoOneRun() throws {
        #expect(
            try TestTime.fires("*/20 2 * * *", in: newYork, after: "2024-03-10T00:00:00-05:00", count: 2)
                == ["2024-03-10T03:00:00-04:00", "2024-03-11T02:00:00-04:00"])
        // 03:00 itself is also due: still one run at 03:00, then 03:30.
        #expect(
            try TestTime.fires("0,30 2,3 * * *", in: newYork, after: "2024-03-10T01:00:00-05:00", count: 2)
                == ["2024-03-10T03:00:00-04:00", "2024-03-10T03:30:00-04:00"])
    }

    @Test func hourlyJobsSkipTheMissingHour() throws {
        #expect(
            try TestTime.fires("30 * * * *", in: newYork, after: "2024-03-10T01:00:00-05:00", count: 2)
                == ["2024-03-10T01:30:00-05:00", "2024-03-10T03:30:00-04:00"])
        #expect(
            try TestTime.fires("*/15 * * * *", in: london, after: "2024-03-31T00:40:00+00:00", count: 3)
                == ["2024-03-31T00:45:00+00:00", "2024-03-31T02:00:00+01:00", "2024-03-31T02:15:00+01:00"])
    }

    // MARK: fall back

    @Test func repeatedTimeRunsOnceAtTheFirstOccurrence() throws {
        #expect(
            try TestTime.fires("30 1 * * *", in: newYork, after: "2024-11-02T12:00:00-04:00", count: 2)
                == ["2024-11-03T01:30:00-04:00", "2024-11-04T01:30:00-05:00"])
        #expect(
            try TestTime.fires("30 1 * * *", in: london, after: "2024-10-26T12:00:00+01:00", count: 2)
                == ["2024-10-27T01:30:00+01:00", "2024-10-28T01:30:00+00:00"])
        #expect(
            try TestTime.fires("0,20,40 1 * * *", in: newYork, after: "2024-11-03T00:00:00-04:00", count: 4)
                == [
                    "2024-11-03T01:00:00-04:00", "2024-11-03T01:20:00-04:00", "2024-11-03T01:40:00-04:00",
                    "2024-11-04T01:00:00-05:00",
                ])
    }

    /// Issue 14: a wildcard or step minute with a fixed hour is "every N minutes while the
    /// clock shows that hour", and the clock shows 1 a.m. twice on a fall-back day: both
    /// copies run, as in Vixie cron, cronsim and croniter. Before, only the first did.
    @Test func wildcardMinuteJobsRunInBothCopiesOfTheRepeatedHour() throws {
        #expect(
            try TestTime.fires("*/30 1 * * 0", in: newYork, after: "2026-11-01T00:00:00-04:00", count: 5)
                == [
                    "2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-01T01:00:00-05:00",
                    "2026-11-01T01:30:00-05:00", "2026-11-08T01:00:00-05:00",
                ])
        // Asked during the second copy, the rest of the second copy still runs.
        #expect(
            try TestTime.fires("*/30 1 * * 0", in: newYork, after: "2026-11-01T01:10:00-05:00", count: 2)
                == ["2026-11-01T01:30:00-05:00", "2026-11-08T01:00:00-05:00"])
        #expect(
            try TestTime.fires("* 1 * * *", in: london, after: "2026-10-25T01:58:00+01:00", count: 3)
                == ["2026-10-25T01:59:00+01:00", "2026-10-25T01:00:00+00:00", "2026-10-25T01:01:00+00:00"])
        // A step hour is a wildcard job too (cronsim, Vixie): Sydney repeats 02:00.
        #expect(
            try TestTime.fires(
                "0 */2 * * *", in: TestTime.zone("Australia/Sydney"), after: "2026-04-05T00:30:00+11:00", count: 3)
                == ["2026-04-05T02:00:00+11:00", "2026-04-05T02:00:00+10:00", "2026-04-05T04:00:00+10:00"])
        // A fixed time in the same hour still runs once.
        #expect(
            try TestTime.fires("0,30 1 * * 0", in: newYork, after: "2026-11-01T00:00:00-04:00", count: 3)
                == ["2026-11-01T01:00:00-04:00", "2026-11-01T01:30:00-04:00", "2026-11-08T01:00:00-05:00"])
    }

    @Test func askingDuringTheSecondPassDoesNotRunAgain() throws {
        // 01:10 EST is after 01:30 EDT already ran.
        #expect(
            try TestTime.fires("30 1 * * *", in: newYork, after: "2024-11-03T01:10:00-05:00", count: 1)
                == ["2024-11-04T01:30:00-05:00"])
        #expect(
            try TestTime.fires("0 2 * * *", in: newYork, after: "2024-11-03T01:10:00-05:00", count: 1)
                == ["2024-11-03T02:00:00-05:00"])
    }

    @Test func hourlyJobsRunThroughBothPasses() throws {
        #expect(
            try TestTime.fires("*/30 * * * *", in: newYork, after: "2024-11-03T00:00:00-04:00", count: 6)
                == [
                    "2024-11-03T00:30:00-04:00", "2024-11-03T01:00:00-04:00", "2024-11-03T01:30:00-04:00",
                    "2024-11-03T01:00:00-05:00", "2024-11-03T01:30:00-05:00", "2024-11-03T02:00:00-05:00",
                ])
        #expect(
            try TestTime.fires("0 * * * *", in: london, after: "2024-10-27T00:30:00+01:00", count: 3)
                == ["2024-10-27T01:00:00+01:00", "2024-10-27T01:00:00+00:00", "2024-10-27T02:00:00+00:00"])
    }

    // MARK: once per day across both transitions

    @Test(arguments: ["America/New_York", "Europe/London"])
    func dailyJobRunsExactlyOncePerDayAroundBothTransitions(zoneID: String) throws {
        let zone = TestTime.zone(zoneID)
        for time in ["30 1", "30 2", "0 1", "59 1", "0 2"] {
            let schedule = try CronSchedule(parsing: "\(time) * * *", timeZone: zone)
            for window in [
                ("2024-03-08T00:00:00Z", "2024-04-03T00:00:00Z"), ("2024-10-25T00:00:00Z", "2024-11-06T00:00:00Z"),
            ] {
                let start = TestTime.date(window.0), end = TestTime.date(window.1)
                let runs = schedule.nextTimes(after: start, count: 60).filter { $0 < end }
                let days = Set(runs.map { TestTime.iso($0, zone).prefix(10) })
                #expect(runs.count == days.count, "\(time) in \(zoneID): \(runs.map { TestTime.iso($0, zone) })")
                #expect(
                    runs.count == Int(end.timeIntervalSince(start) / 86_400) - 1
                        || runs.count == Int(end.timeIntervalSince(start) / 86_400))
            }
        }
    }
}
