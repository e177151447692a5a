// Queue and schedule input refused with one clear line: queue names, counts, ids, formats, raw bytes, old dates, preview years.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct QueueInputTests {
    func withSchema(_ body: ([String]) async throws -> Void) async throws {
        let schema = TestDatabase.uniqueSchemaName("qin")
        let base = ["--schema", schema, "--database-url", try TestDatabase.url]
        #expect(try await EbbflowBinary.run(["migrate"] + base).exitCode == 0)
        try await TestDatabase.dropping(schema) { try await body(base) }
    }

    /// Each refused with exit 1 and one line naming the flag; nothing is enqueued.
    @Test func badQueueInputIsOneLineAndEnqueuesNothing() async throws {
        try await withSchema { base in
            let long = String(repeating: "q", count: 8_192)
            let cases: [([String], String)] = [
                (
                    ["jobs", "enqueue", "noop", "--queue", "default,sweeps"],
                    "--queue \"default,sweeps\": must be 1 to 128 bytes"
                ),
                (["jobs", "enqueue", "noop", "--queue", " default"], "--queue \" default\": must be 1 to 128 bytes"),
                (["jobs", "enqueue", "noop", "--queue", long], "(8192 bytes): must be 1 to 128 bytes"),
                (
                    ["schedules", "add", "nightly", "--cron", "0 3 * * *", "--kind", "noop", "--queue", "a,b"],
                    "--queue \"a,b\""
                ),
                (["jobs", "enqueue", "noop", "--count", "-1"], "--count must be at least 1, got -1"),
                (["jobs", "enqueue", "noop", "--max-attempts", "-1"], "--max-attempts must be 1...32767, got -1"),
                (["schedules", "preview", "@daily", "--count", "-1"], "--count must be 1...10000"),
                (
                    ["jobs", "enqueue", "noop", "--in", "99999999999d"],
                    "--in \"99999999999d\": must be at most 3650d (ten years)"
                ),
                (["jobs", "enqueue", "noop", "--in", "-5m"], "--in \"-5m\": is not a duration"),
                (
                    ["jobs", "enqueue", "noop", "--count", "2", "--run-at", "0001-01-01T00:30:00+01:00"],
                    "--run-at \"0001-01-01T00:30:00+01:00\" is before 0001-01-01T00:00:00Z, the earliest run time"
                ),
                (
                    ["jobs", "enqueue", "noop", "--run-at", "0000-12-31T23:59:59Z"],
                    "--run-at \"0000-12-31T23:59:59Z\" is before 0001-01-01T00:00:00Z"
                ),
                (
                    ["worker", "--drain", "--id", "worker\nforged log line"],
                    "--id must be at most 128 characters without control or line-break"
                ),
                (
                    ["worker", "--drain", "--id", "worker\u{2028}forged"],
                    "--id must be at most 128 characters without control or line-break"
                ),
                (
                    ["worker", "--drain", "--id", "worker\u{2029}forged"],
                    "--id must be at most 128 characters without control or line-break"
                ),
                (["worker", "--drain", "--queues", "default, sweeps,a\u{2028}b"], "--queues \"a\\u{2028}b\""),
                (
                    ["worker", "--drain", "--metrics-port", "9464", "--metrics-host", ""],
                    "--metrics-host must name an address, such as 127.0.0.1"
                ),
                (
                    ["worker", "--drain", "--metrics-port", "9464", "--metrics-host", " "],
                    "--metrics-host must name an address, such as 127.0.0.1"
                ),
                (
                    ["worker", "--drain", "--completed-retention", "99999999999d"],
                    "--completed-retention \"99999999999d\": must be at most 3650d (ten years)"
                ),
                (["jobs", "list", "--limit", "-1"], "--limit must be 1...100000, got -1"),
                (
                    ["contacts", "import", "contacts.csv", "--format", "xml"],
                    "--format must be csv or ndjson, got \"xml\""
                ),
                (
                    ["events", "import", "events.ndjson", "--format", "xml"],
                    "--format must be csv or ndjson, got \"xml\""
                ),
            ]
            for (arguments, message) in cases {
                let result = try await EbbflowBinary.run(arguments + base)
                #expect(
                    result.exitCode == 1, "\(arguments.prefix(4)): exit \(result.exitCode) \(result.output.prefix(300))"
                )
                #expect(
                    result.stderr.split(separator: "\n").count == 1,
                    "\(arguments.prefix(4)): \(result.stderr.prefix(300))")
                #expect(result.stderr.contains(message), "\(arguments.prefix(4)): \(result.stderr.prefix(300))")
                #expect(result.stderr.utf8.count < 400, "a long value is not echoed whole")
            }
            let stats = try await EbbflowBinary.run(["jobs", "stats", "--json"] + base)
            #expect(stats.exitCode == 0 && !stats.stdout.contains("\"jobs\""), "nothing was enqueued: \(stats.stdout)")
        }
    }

    /// Swift decodes argv with repair: invalid bytes in --args became U+FFFD and were stored.
    /// Only a shell can pass the raw bytes (Foundation's Process takes Strings).
    @Test func invalidUTF8InArgumentsIsRefusedNotReplaced() async throws {
        try await withSchema { base in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments =
                [
                    "-c", #"exec "$0" jobs enqueue noop --args "$(printf '{"name": "\377\376"}')" "$@""#,
                    EbbflowBinary.path,
                ] + base
            let err = Pipe()
            process.standardError = err
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            await OffPool.waitForExit(process)
            #expect(process.terminationStatus == 1, "\(stderr)")
            #expect(stderr == "Error: argument 5 (the value of --args) is not valid UTF-8 text\n", "\(stderr)")
            let stats = try await EbbflowBinary.run(["jobs", "stats", "--json"] + base)
            #expect(!stats.stdout.contains("\"jobs\""), "nothing was enqueued: \(stats.stdout)")
        }
    }

    /// PostgreSQL stores proleptic Gregorian dates; Foundation's formatters switch to Julian
    /// before October 1582, so 0001-01-01 was shown as 0001-01-03 (and COPY, which formatted
    /// run times as text the same way, stored them two days off).
    @Test func datesBefore1582AreShownAsStored() async throws {
        try await withSchema { base in
            let one = try await EbbflowBinary.run(
                ["jobs", "enqueue", "noop", "--run-at", "0001-01-01T00:00:00Z", "--json"] + base)
            let id = try #require(
                (try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any])?["id"] as? Int,
                "\(one.output)")
            let shown = try await EbbflowBinary.run(["jobs", "show", "\(id)", "--json"] + base)
            #expect(shown.stdout.contains("\"run_at\" : \"0001-01-01T00:00:00Z\""), "\(shown.stdout)")
            #expect(
                try await EbbflowBinary.run(
                    ["jobs", "enqueue", "noop", "--count", "2", "--queue", "old", "--run-at", "1582-10-04T12:00:00Z"]
                        + base
                ).exitCode == 0)
            // The earliest run time, by both paths (COPY once wrote year 0 for 1 BC: SQLSTATE 22008).
            #expect(
                try await EbbflowBinary.run(
                    ["jobs", "enqueue", "noop", "--count", "2", "--queue", "first", "--run-at", "0001-01-01T00:00:00Z"]
                        + base
                ).exitCode == 0)
            let connection = try await TestDatabase.connect()
            let stored: [String] = try await connection.query(
                "SELECT to_char(run_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS t FROM \"\(base[1])\".jobs WHERE queue = 'old'"
            ).rows.map { try $0.decode("t") }
            #expect(stored == ["1582-10-04 12:00", "1582-10-04 12:00"], "COPY stores what was asked: \(stored)")
            let listed = try await EbbflowBinary.run(["jobs", "list", "--json"] + base)
            #expect(listed.stdout.contains("\"run_at\" : \"1582-10-04T12:00:00Z\""), "\(listed.stdout)")
        }
    }

    /// Never a time before --from, never a year --from itself would refuse (five digits).
    @Test func previewStaysAfterFromAndWithinPrintableYears() async throws {
        let early = try await EbbflowBinary.run([
            "schedules", "preview", "0 0 * * *", "--from", "0001-01-01T00:00:00Z", "--count", "3",
        ])
        #expect(
            early.exitCode == 0 && early.stdout == "0001-01-02T00:00:00Z\n0001-01-03T00:00:00Z\n0001-01-04T00:00:00Z\n",
            "\(early.output)")
        for (zone, from) in [
            ("America/New_York", "1500-03-01T00:00:00Z"), ("Europe/Paris", "1582-10-03T23:00:00Z"),
            ("UTC", "2026-01-01T00:00:00Z"),
        ] {
            let listed = try await EbbflowBinary.run([
                "schedules", "preview", "*/30 * * * *", "--tz", zone, "--from", from, "--count", "50",
            ])
            let times = listed.stdout.split(separator: "\n").map(String.init)
            #expect(listed.exitCode == 0 && times.count == 50, "\(listed.output)")
            for time in times {
                let parsed = try #require(
                    ISO8601Text.parse(time) ?? ISO8601Text.parse(String(time.dropLast(3))), "\(time) reads back")
                #expect(parsed > ISO8601Text.parse(from)!, "\(time) is after --from \(from) in \(zone)")
            }
        }
        let last = try await EbbflowBinary.run([
            "schedules", "preview", "0 0 * * *", "--from", "9999-12-30T00:00:00Z", "--count", "5",
        ])
        #expect(last.exitCode == 0 && last.stdout == "9999-12-31T00:00:00Z\n", "\(last.output)")
        let never = try await EbbflowBinary.run(["schedules", "preview", "0 0 1 1 *", "--from", "9999-06-01T00:00:00Z"])
        #expect(
            never.exitCode == 1
                && never.stderr.contains("never fires after 9999-06-01T00:00:00Z before the year 10000"),
            "\(never.output)")
    }
}
