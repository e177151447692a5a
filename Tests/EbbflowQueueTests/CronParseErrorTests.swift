// Tests that malformed expressions are rejected with messages naming the field and value.

import EbbflowQueue
import Foundation
import Testing

struct CronParseErrorTests {
    private func message(_ expression: String) -> String? {
        do {
            _ = try CronSchedule(parsing: expression)
            return nil
        } catch {
            return error.description
        }
    }

    @Test(arguments: [
        ("61 * * * *", #"minute field "61": value out of range 0-59"#),
        ("0 24 * * *", #"hour field "24": value out of range 0-23"#),
        ("0 0 0 * *", #"day-of-month field "0": value out of range 1-31"#),
        ("0 0 32 * *", #"day-of-month field "32": value out of range 1-31"#),
        ("0 0 * 13 *", #"month field "13": value out of range 1-12"#),
        ("0 0 * 0 *", #"month field "0": value out of range 1-12"#),
        ("0 0 * * 8", #"day-of-week field "8": value out of range 0-7"#),
        ("0 1-99 * * *", #"hour field "99": value out of range 0-23"#),
        ("0,5,61 * * * *", #"minute field "61": value out of range 0-59"#),
    ])
    func outOfRangeValuesNameTheField(expression: String, expected: String) {
        #expect(message(expression) == expected)
    }

    @Test(arguments: [
        ("0 0 * FOO *", #"month field "FOO": unknown month name (expected JAN-DEC or 1-12)"#),
        ("0 0 * * FUN", #"day-of-week field "FUN": unknown day name (expected SUN-SAT or 0-7)"#),
        ("0 0 * * MONDAY", #"day-of-week field "MONDAY": unknown day name (expected SUN-SAT or 0-7)"#),
        ("0 0 * MON *", #"month field "MON": unknown month name (expected JAN-DEC or 1-12)"#),
        ("MON 0 * * *", #"minute field "MON": not a number"#),
        ("0 0 L * *", #"day-of-month field "L": not a number"#),
        ("0 0 * * 1#2", #"day-of-week field "1#2": unknown day name (expected SUN-SAT or 0-7)"#),
        ("-5 * * * *", #"minute field "-5": missing value"#),
    ])
    func badNamesAndValues(expression: String, expected: String) {
        #expect(message(expression) == expected)
    }

    @Test(arguments: [
        ("*/0 * * * *", #"minute field "*/0": step must be a whole number of at least 1"#),
        ("*/x * * * *", #"minute field "*/x": step must be a whole number of at least 1"#),
        ("*/ * * * *", #"minute field "*/": step must be a whole number of at least 1"#),
        ("0 */-2 * * *", #"hour field "*/-2": step must be a whole number of at least 1"#),
        ("1/2/3 * * * *", #"minute field "1/2/3": more than one "/" step"#),
        (
            "0 5-1 * * *",
            #"hour field "5-1": range start is greater than range end (wrap-around ranges are not supported)"#
        ),
        ("0 0 1-2-3 * *", #"day-of-month field "1-2-3": malformed range"#),
        ("1,,2 * * * *", #"minute field "1,,2": empty item in list"#),
        ("1, * * * *", #"minute field "1,": empty item in list"#),
    ])
    func badStepsRangesAndLists(expression: String, expected: String) {
        #expect(message(expression) == expected)
    }

    @Test func emptyAndWrongFieldCounts() {
        #expect(message("") == #"cron expression "": expression is empty"#)
        #expect(message("   \t ") == #"cron expression "": expression is empty"#)
        #expect(
            message("* * * *")
                == #"cron expression "* * * *": expected 5 fields (minute hour day-of-month month day-of-week), found 4"#
        )
        #expect(
            message("0 * * * * *")
                == #"cron expression "0 * * * * *": expected 5 fields (minute hour day-of-month month day-of-week), found 6"#
        )
    }

    @Test(arguments: [
        "@reboot", "@fortnightly", "@", "@daily 5", "@every", "@every 0s", "@every 5x",
        "@every 30m1h", "@every 1h1h", "@every -5m", "@every 1.5h", "@every 15", "@every m",
        "@every 1h 30m",
    ])
    func badMacros(expression: String) throws {
        let error = try #require(message(expression))
        #expect(error.hasPrefix("cron expression \"\(expression)\": "))
    }

    @Test func errorCarriesStructuredParts() throws {
        let error = try #require(throws: CronParseError.self) {
            try CronSchedule(parsing: "0 0 * * 9")
        }
        #expect(error.field == "day-of-week")
        #expect(error.value == "9")
        #expect(error.reason == "value out of range 0-7")
    }
}
