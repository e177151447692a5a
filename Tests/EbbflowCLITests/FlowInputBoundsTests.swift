// The bounds on the numbers and durations of flows, reactivation, clock, audience, contacts, sends and simulate flags.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct FlowInputBoundsTests {
    /// Issue 14 item 2: `--every 99999999999d` was accepted and crashed every worker that
    /// claimed the step; `--inactive-for 99999999999d` crashed the CLI itself. Each flag is
    /// refused at input with one line naming the flag, the value and the bound (exit 1), and
    /// nothing is written.
    @Test func outOfRangeFlagsAreOneLineNamingFieldValueAndBound() async throws {
        let schema = TestDatabase.uniqueSchemaName("bnd")
        let base = ["--schema", schema, "--database-url", try TestDatabase.url]
        #expect(
            try await EbbflowBinary.run(["migrate", "--simulation", "--log-level", "warning"] + base).exitCode == 0)
        let connection = try await TestDatabase.connect()
        try await connection.simpleQuery(
            """
            INSERT INTO \(schema).contacts (external_id, email, segment, status_changed_at, created_at)
            VALUES ('c1', 'c1@example.com', 'b2c', now(), now())
            """)
        let cases: [([String], String)] = [
            (
                ["flows", "start", "f1", "--segment", "b2c", "--template", "t1", "--every", "99999999999d"],
                "--every \"99999999999d\": must be at most 3650d (ten years)"
            ),
            (
                ["flows", "start", "f1", "--segment", "b2c", "--template", "t1", "--every", "0s"],
                "--every \"0s\": must be at least 1s"
            ),
            (
                ["flows", "start", "f1", "--segment", "b2c", "--template", "t1", "--every", "soon"],
                "--every \"soon\": is not a duration such as 90s, 15m, 12h, 3d or 1d12h"
            ),
            (
                ["flows", "start", "f1", "--segment", "b2c", "--template", "t1", "--max-sends", "99999999999"],
                "--max-sends 99999999999: must be between 1 and 1000"
            ),
            (
                ["reactivation", "start", "--segment", "b2c", "--inactive-for", "99999999999d"],
                "--inactive-for \"99999999999d\": must be at most 3650d (ten years)"
            ),
            (
                ["clock", "advance", "99999999999d"],
                "clock advance \"99999999999d\": must be at most 3650d (ten years)"
            ),
            (
                ["audience", "--history", "99999999999d"],
                "--history \"99999999999d\": must be at most 3650d (ten years)"
            ),
            (["audience", "--history", "12h"], "--history \"12h\": must be at least 1d"),
            (["contacts", "list", "--limit", "0"], "--limit 0: must be between 1 and 1000000"),
            (
                ["sends", "lease", "--limit", "99999999999", "--json"],
                "--limit 99999999999: must be between 1 and 10000"
            ),
            (["sends", "list", "--limit", "0"], "--limit must be 1...100000, got 0"),
            (["simulate", "--days", "99999999999"], "--days 99999999999: must be between 1 and 3650"),
            (["simulate", "--contacts", "0"], "--contacts 0: must be between 1 and 5000000"),
            (
                ["simulate", "--days", "10", "--kill-worker-on-day", "10"],
                "--kill-worker-on-day 10: must be between 0 and 9"
            ),
            (["simulate", "--workers", "40"], "--workers 40: must be between 1 and 32"),
            (["simulate", "--appeal", "promo=5000"], "--appeal promo 5000.0: must be between 0.0 and 1000.0"),
            (["events", "rejected", "--limit", "0"], "--limit 0: must be between 1 and 1000000"),
        ]
        for (arguments, expected) in cases {
            let result = try await EbbflowBinary.run(arguments + base)
            #expect(result.exitCode == 1, "\(arguments): \(result.output)")
            #expect(result.stderr == "Error: \(expected)\n", "\(arguments): \(result.output)")
        }
        let flows = try await connection.query("SELECT count(*) AS n FROM \(schema).flows").first!.decode(
            "n", as: Int.self)
        let jobs = try await connection.query(
            "SELECT count(*) AS n FROM \(schema).jobs WHERE kind IN ('flow_step', 'reactivation_step')"
        ).first!
        .decode("n", as: Int.self)
        #expect(flows == 0 && jobs == 0, "nothing was written")
        // The clock is kept inside the years every reader holds: ten years at a time up to 9999, then refused.
        #expect(try await EbbflowBinary.run(["clock", "set", "9995-01-01T00:00:00Z"] + base).exitCode == 0)
        let past = try await EbbflowBinary.run(["clock", "advance", "3650d"] + base)
        #expect(
            past.exitCode == 1 && past.stderr == "Error: clock advance 3650d0h: would move the clock past 9999-12-31\n",
            "\(past.output)")
        try await TestDatabase.dropSchema(schema)
    }
}
