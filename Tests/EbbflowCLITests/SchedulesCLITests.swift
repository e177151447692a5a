// `schedules add` refuses an existing name unless --replace; `schedules restore` puts built-ins back.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct SchedulesCLITests {
    func schedule(_ name: String, _ base: [String]) async throws -> [String: Any]? {
        let listed = try await EbbflowBinary.run(["schedules", "list", "--json"] + base)
        let rows = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]] ?? []
        return rows.first { $0["name"] as? String == name }
    }

    /// `schedules add inactivity_sweep --cron "0 0 1 1 *" --kind noop` once replaced the daily
    /// sweep without a word, and `migrate` did not bring it back.
    @Test func addRefusesAnExistingNameAndRestorePutsBuiltinsBack() async throws {
        let schema = TestDatabase.uniqueSchemaName("sch")
        let base = ["--schema", schema, "--database-url", try TestDatabase.url]
        #expect(try await EbbflowBinary.run(["migrate"] + base).exitCode == 0)

        let clobber = ["schedules", "add", "inactivity_sweep", "--cron", "0 0 1 1 *", "--kind", "noop"]
        let refused = try await EbbflowBinary.run(clobber + base)
        #expect(refused.exitCode == 1 && refused.stderr.split(separator: "\n").count == 1, "\(refused.output)")
        #expect(
            refused.stderr.contains("schedule \"inactivity_sweep\" already exists")
                && refused.stderr.contains("--replace")
                && refused.stderr.contains("ebbflow schedules restore inactivity_sweep"), "\(refused.stderr)")
        #expect(try await schedule("inactivity_sweep", base)?["cron"] as? String == "0 3 * * *", "unchanged")

        #expect(
            try await EbbflowBinary.run(
                ["schedules", "add", "nightly", "--cron", "0 2 * * *", "--kind", "noop"] + base
            ).exitCode == 0)
        let twice = try await EbbflowBinary.run(
            ["schedules", "add", "nightly", "--cron", "0 4 * * *", "--kind", "noop"] + base)
        #expect(twice.exitCode == 1 && twice.stderr.contains("already exists; pass --replace"), "\(twice.output)")
        #expect(
            try await EbbflowBinary.run(
                ["schedules", "add", "nightly", "--cron", "0 4 * * *", "--kind", "noop", "--replace"] + base
            ).exitCode == 0)
        #expect(try await schedule("nightly", base)?["cron"] as? String == "0 4 * * *")

        // Replaced and removed built-ins survive a migrate (it never undoes an operator's change)…
        #expect(try await EbbflowBinary.run(clobber + ["--replace"] + base).exitCode == 0)
        #expect(try await EbbflowBinary.run(["schedules", "disable", "experiments_promote"] + base).exitCode == 0)
        #expect(try await EbbflowBinary.run(["schedules", "remove", "decay_scores"] + base).exitCode == 0)
        #expect(try await EbbflowBinary.run(["migrate"] + base).exitCode == 0)
        #expect(try await schedule("inactivity_sweep", base)?["kind"] as? String == "noop")
        #expect(try await schedule("decay_scores", base) == nil)

        // …and one command puts one back, or all of them.
        let one = try await EbbflowBinary.run(["schedules", "restore", "inactivity_sweep"] + base)
        #expect(one.exitCode == 0 && one.stdout.contains("restored schedule inactivity_sweep"), "\(one.output)")
        let sweep = try #require(try await schedule("inactivity_sweep", base))
        #expect(
            sweep["cron"] as? String == "0 3 * * *" && sweep["kind"] as? String == "sweep_inactivity"
                && sweep["queue"] as? String == "sweeps")
        #expect(try await schedule("decay_scores", base) == nil, "only the one named")
        let all = try await EbbflowBinary.run(["schedules", "restore"] + base)
        #expect(all.exitCode == 0 && all.stdout.contains("decay_scores"), "\(all.output)")
        #expect(try await schedule("decay_scores", base)?["cron"] as? String == "30 3 * * *")
        #expect(
            try await schedule("experiments_promote", base)?["enabled"] as? Bool == false,
            "restore alone never re-enables one")
        #expect(try await schedule("nightly", base) != nil, "a user's own schedule is left alone")

        let unknown = try await EbbflowBinary.run(["schedules", "restore", "nightly"] + base)
        #expect(
            unknown.exitCode == 1 && unknown.stderr.contains("no built-in schedule named \"nightly\"")
                && unknown.stderr.contains("inactivity_sweep"), "\(unknown.output)")
        try await TestDatabase.dropSchema(schema)
    }

    /// `schedules restore` alone once upserted every built-in enabled: it re-enabled a
    /// schedule an operator had disabled, undid a `--tz` and reset every next run. Now it only
    /// re-inserts missing built-ins; `restore NAME` restores that one and keeps a due tick.
    @Test func restoreWithoutANameOnlyReinsertsMissingBuiltins() async throws {
        let schema = TestDatabase.uniqueSchemaName("sch")
        let base = ["--schema", schema, "--database-url", try TestDatabase.url]
        #expect(try await EbbflowBinary.run(["migrate"] + base).exitCode == 0)
        let connection = try await TestDatabase.connect()
        let table = "\"\(schema)\".schedules"
        func state(_ name: String) async throws -> String {
            try await connection.query(
                "SELECT concat_ws(' ', enabled::text, time_zone, next_run_at::text) AS s FROM \(table) WHERE name = $1",
                [name]
            )
            .first?.decode("s") ?? "missing"
        }
        #expect(try await EbbflowBinary.run(["schedules", "disable", "experiments_promote"] + base).exitCode == 0)
        #expect(try await EbbflowBinary.run(["schedules", "remove", "stream_date_entries"] + base).exitCode == 0)
        try await connection.execute("UPDATE \(table) SET time_zone = 'Europe/Paris' WHERE name = 'inactivity_sweep'")
        try await connection.execute(
            "UPDATE \(table) SET next_run_at = next_run_at + interval '7 days' WHERE name = 'audience_snapshot'")
        let before = [
            try await state("experiments_promote"), try await state("inactivity_sweep"),
            try await state("audience_snapshot"),
        ]

        let all = try await EbbflowBinary.run(["schedules", "restore"] + base)
        #expect(all.exitCode == 0 && all.stdout.contains("restored schedule stream_date_entries"), "\(all.output)")
        #expect(
            [
                try await state("experiments_promote"), try await state("inactivity_sweep"),
                try await state("audience_snapshot"),
            ] == before)
        #expect(try await state("stream_date_entries").hasPrefix("true UTC"))
        let again = try await EbbflowBinary.run(["schedules", "restore"] + base)
        #expect(again.exitCode == 0 && again.stdout.contains("nothing restored"), "\(again.output)")

        // Named: the shipped definition, enabled; a due tick of an unchanged cron and zone stays.
        try await connection.execute(
            """
            UPDATE \(table) SET enabled = false, next_run_at = "\(schema)".clock_now() - interval '1 hour' WHERE name = 'apply_pending_events'
            """)
        let due = try await state("apply_pending_events")
        #expect(try await EbbflowBinary.run(["schedules", "restore", "apply_pending_events"] + base).exitCode == 0)
        #expect(try await state("apply_pending_events") == due.replacingOccurrences(of: "false ", with: "true "))
        #expect(try await EbbflowBinary.run(["schedules", "restore", "inactivity_sweep"] + base).exitCode == 0)
        #expect(try await state("inactivity_sweep").hasPrefix("true UTC"))
        try await TestDatabase.dropSchema(schema)
    }

    /// The catalogue `restore` reads (sql/queue/0004) must match what the migrations install: a
    /// migration that adds a built-in schedule without adding it there fails here.
    @Test func theBuiltinCatalogueMatchesTheInstalledSchedules() async throws {
        let schema = TestDatabase.uniqueSchemaName("sch")
        #expect(
            try await EbbflowBinary.run(["migrate", "--schema", schema, "--database-url", try TestDatabase.url])
                .exitCode == 0)
        let connection = try await TestDatabase.connect()
        let differences: [String] = try await connection.query(
            """
            SELECT coalesce(s.name, b.name) AS name FROM "\(schema)".schedules s FULL JOIN "\(schema)".builtin_schedules b USING (name)
            WHERE (s.cron, s.time_zone, s.kind, s.args, s.queue, s.priority, s.max_attempts)
                  IS DISTINCT FROM (b.cron, b.time_zone, b.kind, b.args, b.queue, b.priority, b.max_attempts)
            """
        ).rows.map { try $0.decode("name") }
        #expect(differences.isEmpty, "installed and catalogued built-ins differ: \(differences)")
        #expect(
            try await connection.query("SELECT count(*)::int8 AS n FROM \"\(schema)\".builtin_schedules").first!.decode(
                "n", as: Int.self) >= 6)
        try await TestDatabase.dropSchema(schema)
    }
}
