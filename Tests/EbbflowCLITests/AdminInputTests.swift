// Admin commands: bad input is one clear line and exit 1, and changes nothing; good input works.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct AdminInputTests {
    @Test func badInputIsOneLineExitOneAndChangesNothing() async throws {
        let schema = TestDatabase.uniqueSchemaName("adm")
        let url = try TestDatabase.url
        #expect(try await EbbflowBinary.run(["migrate", "--schema", schema, "--database-url", url]).exitCode == 0)
        let base = ["--schema", schema, "--database-url", url]
        let cases: [([String], String)] = [
            (["jobs", "enqueue", "noop", "--args", "{not json"], "must be a JSON object"),
            (["jobs", "enqueue", "noop", "--count=-3"], "--count must be at least 1"),
            (["jobs", "enqueue", "noop", "--count", "2000000000"], "--count must be at most 1000000"),
            (["jobs", "enqueue", "noop", "--priority", "40000"], "--priority must be -32768...32767"),
            (["jobs", "enqueue", "noop", "--run-at", "next tuesday"], "not an ISO 8601 time"),
            (["jobs", "enqueue", "noop", "--run-at", "2025-03-08T10:00:00"], "not an ISO 8601 time with its zone"),
            (["jobs", "enqueue", "noop", "--run-at", "2025-02-30T00:00:00Z"], "not an ISO 8601 time"),
            (["jobs", "enqueue", "noop", "--in", "99999999999d"], "must be at most 3650d (ten years)"),
            (
                ["schedules", "add", "nightly", "--cron", "0 3 * * *", "--kind", "noop", "--max-attempts", "0"],
                "max attempts must be"
            ),
            (
                ["schedules", "add", "nightly", "--cron", "0 3 * * *", "--kind", "noop", "--queue", ""],
                "queue name is empty"
            ),
            (["worker", "--poll-interval", "inf"], "--poll-interval must be"),
            (["worker", "--lease-seconds", "1e300"], "--lease-seconds must be"),
            (["jobs", "enqueue", "noop", "--in", "soon"], "not a duration"),
            (["jobs", "show", "987654321"], "no job with id 987654321"),
            (["jobs", "cancel", "987654321"], "no job with id 987654321"),
            (["jobs", "retry", "987654321"], "no job with id 987654321"),
            (["jobs", "list", "--state", "sleeping"], "--state must be one of"),
            (["schedules", "add", "nightly", "--cron", "61 * * * *", "--kind", "noop"], "minute"),
            (
                ["schedules", "add", "nightly", "--cron", "0 3 * * *", "--kind", "noop", "--tz", "Mars/Olympus"],
                "unknown time zone"
            ),
            (["schedules", "enable", "no_such_schedule"], "no schedule named"),
            (
                ["schedules", "add", "nightly", "--cron", "0 3 * * *", "--kind", "noop", "--tz", "GMT+5"],
                "ambiguous about its sign"
            ),
            (["worker", "--concurrency", "0"], "--concurrency must be"),
        ]
        for (arguments, message) in cases {
            let result = try await EbbflowBinary.run(arguments + base)
            #expect(result.exitCode == 1, "\(arguments): exit \(result.exitCode) \(result.output)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
        let stats = try await EbbflowBinary.run(["jobs", "stats", "--json"] + base)
        #expect(stats.exitCode == 0 && !stats.stdout.contains("\"jobs\""), "nothing was enqueued: \(stats.stdout)")
        try await TestDatabase.dropSchema(schema)
    }

    @Test func enqueueShowRetryCancelAndStats() async throws {
        let schema = TestDatabase.uniqueSchemaName("adm")
        let url = try TestDatabase.url
        let base = ["--schema", schema, "--database-url", url]
        #expect(try await EbbflowBinary.run(["migrate"] + base).exitCode == 0)
        let one = try await EbbflowBinary.run(
            ["jobs", "enqueue", "no_such_kind", "--json", "--max-attempts", "1"] + base)
        let id = try #require(
            Int((try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any])?["id"] as? Int ?? -1))
        let later = try await EbbflowBinary.run(
            ["jobs", "enqueue", "noop", "--in", "3d", "--unique-key", "k1", "--json"] + base)
        let again = try await EbbflowBinary.run(
            ["jobs", "enqueue", "noop", "--in", "3d", "--unique-key", "k1", "--json"] + base)
        #expect(
            later.stdout.contains("\"inserted\" : true") && again.stdout.contains("\"inserted\" : false"),
            "\(later.stdout) \(again.stdout)")
        #expect(try await EbbflowBinary.run(["worker", "--drain"] + base).exitCode == 0)
        let shown = try await EbbflowBinary.run(["jobs", "show", "\(id)"] + base)
        #expect(shown.stdout.contains("discarded") && shown.stdout.contains("unknown_kind"), "\(shown.output)")
        let retried = try await EbbflowBinary.run(["jobs", "retry", "--discarded"] + base)
        #expect(retried.stdout.contains("requeued 1"), "\(retried.output)")
        let list = try await EbbflowBinary.run(["jobs", "list", "--state", "scheduled", "--json"] + base)
        let scheduled = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(scheduled.count == 1)
        let scheduledID = scheduled.first?["id"] as? Int ?? -1
        #expect(try await EbbflowBinary.run(["jobs", "cancel", "\(scheduledID)"] + base).exitCode == 0)
        let stats = try await EbbflowBinary.run(["jobs", "stats"] + base)
        #expect(stats.stdout.contains("cancelled") && stats.stdout.contains("available"), "\(stats.output)")
        // The cancelled job's unique key taken by a new job: retrying it says so, changes nothing.
        let holder = try await EbbflowBinary.run(
            ["jobs", "enqueue", "noop", "--priority", "-5", "--unique-key", "k1"] + base)
        #expect(holder.exitCode == 0, "a negative priority after a space is a value: \(holder.output)")
        let blocked = try await EbbflowBinary.run(["jobs", "retry", "\(scheduledID)"] + base)
        #expect(blocked.exitCode == 1 && blocked.stderr.contains("is held by unfinished job"), "\(blocked.output)")
        // Zone names in any case; UTC is stored and shown as UTC (Foundation calls it GMT).
        let added = try await EbbflowBinary.run(
            ["schedules", "add", "paris", "--cron", "0 3 * * *", "--kind", "noop", "--tz", "europe/paris"] + base)
        #expect(added.exitCode == 0 && added.stdout.contains("(Europe/Paris)"), "\(added.output)")
        let utc = try await EbbflowBinary.run(
            ["schedules", "add", "nightly", "--cron", "0 3 * * *", "--kind", "noop", "--tz", "utc"] + base)
        #expect(utc.exitCode == 0 && utc.stdout.contains("(UTC)"), "\(utc.output)")
        let listed = try await EbbflowBinary.run(["schedules", "list", "--json"] + base)
        let nightly = try #require(
            (try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])?.first {
                $0["name"] as? String == "nightly"
            })
        #expect(nightly["last_run_at"] is NSNull && nightly["tz"] as? String == "UTC", "\(nightly)")
        let never = try await EbbflowBinary.run(["schedules", "preview", "0 0 31 4 *"])
        #expect(never.exitCode == 1 && never.stderr.contains("never fires"), "\(never.output)")
        let preview = try await EbbflowBinary.run([
            "schedules", "preview", "0 9 * * MON-FRI", "--from", "2026-11-20T10:00:00Z", "--count", "3",
        ])
        #expect(
            preview.stdout.split(separator: "\n") == [
                "2026-11-23T09:00:00Z", "2026-11-24T09:00:00Z", "2026-11-25T09:00:00Z",
            ], "\(preview.output)")
        try await TestDatabase.dropSchema(schema)
    }
}
