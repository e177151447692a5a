// `ebbflow queues limit|list` through the real binary, and a limit kept by three real worker processes.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite(.serialized) struct QueueLimitCLITests {
    func withSchema(_ body: (String, [String]) async throws -> Void) async throws {
        let schema = TestDatabase.uniqueSchemaName("qlim")
        let base = ["--schema", schema, "--database-url", try TestDatabase.url]
        let migrated = try await EbbflowBinary.run(["migrate"] + base)
        try #require(migrated.exitCode == 0, "\(migrated.output)")
        try await TestDatabase.dropping(schema) { try await body(schema, base) }
    }

    @Test func limitListAndClear() async throws {
        try await withSchema { _, base in
            let set = try await EbbflowBinary.run(["queues", "limit", "deliver", "--rate", "14/s"] + base)
            #expect(set.exitCode == 0 && set.stdout == "queue deliver limited to 14/s (new limit)\n", "\(set.output)")
            let replaced = try await EbbflowBinary.run(["queues", "limit", "deliver", "--rate", "600/m"] + base)
            #expect(replaced.stdout == "queue deliver limited to 600/m (replaced its limit)\n", "\(replaced.output)")
            let enqueued = try await EbbflowBinary.run(
                ["jobs", "enqueue", "noop", "--count", "3", "--queue", "deliver"] + base)
            #expect(enqueued.exitCode == 0, "\(enqueued.output)")

            let table = try await EbbflowBinary.run(["queues", "list"] + base)
            #expect(table.exitCode == 0, "\(table.output)")
            let line = table.stdout.split(separator: "\n").first { $0.hasPrefix("deliver ") }.map(String.init) ?? ""
            #expect(
                line.split(separator: " ").prefix(7) == ["deliver", "3", "0", "0", "0", "0", "600/m"], "\(table.stdout)"
            )

            let json = try await EbbflowBinary.run(["queues", "list", "--json"] + base)
            let queues = try #require(
                try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]], "\(json.output)")
            let deliver = try #require(queues.first { $0["queue"] as? String == "deliver" })
            #expect(deliver["due"] as? Int == 3)
            let limit = try #require(deliver["limit"] as? [String: Any])
            #expect(
                limit["rate"] as? String == "600/m" && limit["jobs"] as? Int == 600
                    && limit["per"] as? String == "minute")

            let cleared = try await EbbflowBinary.run(["queues", "limit", "deliver", "--clear"] + base)
            #expect(cleared.stdout == "queue deliver no longer limited\n", "\(cleared.output)")
            let again = try await EbbflowBinary.run(["queues", "limit", "deliver", "--clear"] + base)
            #expect(again.exitCode == 0 && again.stdout == "queue deliver had no limit\n", "\(again.output)")
            let after = try await EbbflowBinary.run(["queues", "list", "--json"] + base)
            #expect(
                after.stdout.contains(#""limit":null"#) || after.stdout.contains(#""limit" : null"#), "\(after.stdout)")
        }
    }

    /// Each refused with exit 1 and one line naming the flag; no limit is written.
    @Test func badLimitInputIsOneLineAndWritesNothing() async throws {
        try await withSchema { _, base in
            let rule = "must be N/s or N/m, N a whole number from 1 to 100000"
            let cases: [([String], String)] = [
                (["queues", "limit", "q", "--rate", "0/s"], "--rate \"0/s\": \(rule)"),
                (["queues", "limit", "q", "--rate", "14"], "--rate \"14\": \(rule)"),
                (["queues", "limit", "q", "--rate", "14/h"], "--rate \"14/h\": \(rule)"),
                (["queues", "limit", "q", "--rate", "100001/s"], "--rate \"100001/s\": \(rule)"),
                (["queues", "limit", "q", "--rate", "1.5/s"], "--rate \"1.5/s\": \(rule)"),
                (["queues", "limit", "q", "--rate", "-3/s"], "--rate \"-3/s\": \(rule)"),
                (["queues", "limit", "q", "--rate", String(repeating: "9", count: 5_000) + "/s"], "--rate \"999"),
                (["queues", "limit", "q", "--rate", "14/s\nforged"], #"--rate "14/s\nforged""#),
                (["queues", "limit", "q", "--rate", "14/s", "--clear"], "--rate and --clear exclude each other"),
                (["queues", "limit", "q"], "give --rate N/s|N/m to set the limit, or --clear to remove it"),
                (["queues", "limit", "a,b", "--rate", "14/s"], "QUEUE \"a,b\": must be 1 to 128 bytes"),
                (["queues", "limit", " q", "--clear"], "QUEUE \" q\": must be 1 to 128 bytes"),
            ]
            for (arguments, message) in cases {
                let result = try await EbbflowBinary.run(arguments + base)
                #expect(result.exitCode == 1, "\(arguments): exit \(result.exitCode) \(result.output.prefix(300))")
                #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr.prefix(300))")
                #expect(result.stderr.contains(message), "\(arguments): \(result.stderr.prefix(300))")
                #expect(result.stderr.utf8.count < 400, "a long value is not echoed whole")
            }
            let listed = try await EbbflowBinary.run(["queues", "list", "--json"] + base)
            #expect(listed.exitCode == 0 && !listed.stdout.contains("\"rate\""), "no limit written: \(listed.stdout)")
        }
    }

    /// Three worker processes with eight slots each share one limit of 14/s: no one-second
    /// window of starts (the jobs' `attempted_at`, the database's time) holds more than 15.
    /// An upper bound only: a slow machine starts fewer, never more.
    @Test func threeWorkerProcessesShareOneLimit() async throws {
        try await withSchema { schema, base in
            let limited = try await EbbflowBinary.run(["queues", "limit", "mail", "--rate", "14/s"] + base)
            try #require(limited.exitCode == 0, "\(limited.output)")
            let enqueued = try await EbbflowBinary.run(
                ["jobs", "enqueue", "noop", "--count", "70", "--queue", "mail"] + base)
            try #require(enqueued.exitCode == 0, "\(enqueued.output)")
            let workers = try (0..<3).map { _ in
                try EbbflowBinary.start(
                    [
                        "worker", "--queues", "mail", "--concurrency", "8", "--poll-interval", "0.5", "--log-level",
                        "error",
                    ]
                        + base
                ).0
            }
            let connection = try await TestDatabase.connect()
            let jobs = "\"\(schema)\".jobs"
            let finished = "\"\(schema)\".finished_jobs"
            let deadline = ContinuousClock.now + .seconds(180)
            while ContinuousClock.now < deadline {
                let left: Int = try await connection.query("SELECT count(*) AS n FROM \(jobs) WHERE queue = 'mail'")
                    .first!.decode("n")
                if left == 0 { break }
                try await Task.sleep(for: .milliseconds(300))
            }
            for worker in workers { worker.terminate() }
            for worker in workers { await OffPool.waitForExit(worker) }
            let done: Int = try await connection.query(
                "SELECT count(*) AS n FROM \(finished) WHERE queue = 'mail' AND state = 'completed'"
            ).first!.decode("n")
            #expect(done == 70)
            let busiest: Int = try await connection.query(
                """
                SELECT coalesce(max(n), 0) AS n FROM (
                    SELECT (SELECT count(*) FROM \(finished) g
                            WHERE g.queue = 'mail' AND g.attempted_at BETWEEN f.attempted_at AND f.attempted_at + interval '1 second') AS n
                    FROM \(finished) f WHERE f.queue = 'mail'
                ) w
                """
            ).first!.decode("n")
            #expect(busiest <= 15, "the busiest one-second window started \(busiest) jobs")
        }
    }
}
