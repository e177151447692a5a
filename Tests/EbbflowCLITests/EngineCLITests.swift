// The engine's commands as scripts use them: policy set/show, contacts show --json.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct EngineCLITests {
    /// The script contract: in a simulation database, `clock advance 1d` then `worker --drain`
    /// runs everything that became due, schedules included. A contact silent since day 0 is
    /// still active when the clock reaches day 89 and the due sweep runs, and inactive when it
    /// reaches day 90 (the sweep runs when the workers drain, and reads the clock then).
    @Test func clockAdvanceThenDrainRunsTheDailySweep() async throws {
        let schema = TestDatabase.uniqueSchemaName("clk")
        let base = ["--schema", schema, "--database-url", try TestDatabase.url]
        #expect(try await EbbflowBinary.run(["migrate", "--simulation"] + base).exitCode == 0)
        #expect(try await EbbflowBinary.run(["clock", "set", "2027-01-01T00:00:00Z"] + base).exitCode == 0)
        let connection = try await TestDatabase.connect()
        try await connection.simpleQuery(
            """
            INSERT INTO \(schema).contacts (external_id, email, segment, status_changed_at, created_at)
            VALUES ('quiet', 'quiet@example.com', 'retail', \(schema).clock_now(), \(schema).clock_now())
            """)
        func status() async throws -> String {
            try await connection.query("SELECT campaign_status::text AS s FROM \(schema).contacts").first!.decode("s")
        }
        func advance(_ by: String) async throws {
            #expect(try await EbbflowBinary.run(["clock", "advance", by] + base).exitCode == 0)
            let drained = try await EbbflowBinary.run(["worker", "--drain", "--log-level", "warning"] + base)
            #expect(drained.exitCode == 0, "\(drained.output)")
        }
        try await advance("89d")
        #expect(try await status() == "active", "day 89")
        try await advance("1d")
        #expect(try await status() == "inactive", "day 90: the sweep saw 90 days of silence")
        let reason: String = try await connection.query("SELECT reason FROM \(schema).transitions").first!.decode(
            "reason")
        #expect(reason == "silence")
        try await TestDatabase.dropSchema(schema)
    }

    @Test func badPolicyIsRefusedByFieldAndNothingChanges() async throws {
        let schema = TestDatabase.uniqueSchemaName("pol")
        let url = try TestDatabase.url
        let base = ["--schema", schema, "--database-url", url]
        #expect(try await EbbflowBinary.run(["migrate"] + base).exitCode == 0)
        let directory = try scratchDirectory(schema)
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = directory.appendingPathComponent("good.json"), bad = directory.appendingPathComponent("bad.json")
        try Data(#"{"segments": {"b2b": {"cooldown_days": 60}}}"#.utf8).write(to: good)
        try Data(#"{"default": {"cooldown_days": 10}}"#.utf8).write(to: bad)
        #expect(try await EbbflowBinary.run(["policy", "set", good.path] + base).exitCode == 0)
        let refused = try await EbbflowBinary.run(["policy", "set", bad.path] + base)
        #expect(refused.exitCode == 1)
        #expect(
            refused.stderr.contains("default.cooldown_days = 10") && refused.stderr.contains("unchanged"),
            "\(refused.stderr)")
        let shown = try await EbbflowBinary.run(["policy", "show"] + base)
        #expect(shown.stdout.contains("\"cooldown_days\" : 60"), "the good policy is still in force: \(shown.stdout)")
        try await TestDatabase.dropSchema(schema)
    }

    @Test func contactsShowJSONFollowsTheContract() async throws {
        let schema = TestDatabase.uniqueSchemaName("con")
        let url = try TestDatabase.url
        let base = ["--schema", schema, "--database-url", url]
        #expect(try await EbbflowBinary.run(["migrate"] + base).exitCode == 0)
        let connection = try await TestDatabase.connect()
        try await connection.simpleQuery(
            """
            INSERT INTO \(schema).contacts (external_id, email, segment, campaign_status, engagement_score, last_engagement_at,
                                            status_changed_at, created_at)
            VALUES ('c-7', 'c7@example.com', 'retail', 'engaged', 30, now(), now(), now());
            INSERT INTO \(schema).transitions (contact_id, from_status, to_status, reason, at)
            SELECT id, 'active', 'engaged', 'score_threshold', now() FROM \(schema).contacts;
            """)
        let shown = try await EbbflowBinary.run(["contacts", "show", "c-7", "--json"] + base)
        #expect(shown.exitCode == 0, "\(shown.output)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        for key in [
            "external_id", "email", "segment", "campaign_status", "engagement_score", "last_engagement_at",
            "reactivation_cycle", "channel", "transitions", "sends",
        ] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect(object["campaign_status"] as? String == "engaged")
        #expect((object["engagement_score"] as? Double).map { abs($0 - 30) < 0.01 } == true)
        let transitions = try #require(object["transitions"] as? [[String: Any]])
        #expect(
            transitions.first?["reason"] as? String == "score_threshold"
                && transitions.first?["to"] as? String == "engaged")
        let missing = try await EbbflowBinary.run(["contacts", "show", "nobody"] + base)
        #expect(missing.exitCode == 1 && missing.stderr.contains("no contact with external id \"nobody\""))
        try await TestDatabase.dropSchema(schema)
    }
}

@Suite struct ImportCLITests {
    @Test func contactsAndEventsImportReportEveryLine() async throws {
        let schema = TestDatabase.uniqueSchemaName("imp")
        let url = try TestDatabase.url
        let base = ["--schema", schema, "--database-url", url]
        #expect(try await EbbflowBinary.run(["migrate"] + base).exitCode == 0)
        let directory = try scratchDirectory(schema)
        defer { try? FileManager.default.removeItem(at: directory) }
        let contacts = directory.appendingPathComponent("contacts.csv")
        try Data(
            """
            external_id,email,segment,attributes
            c-1,c1@example.com,retail,"{""birthday"": ""1990-04-01""}"
            c-2,c2@example.com,b2b,
            ,nobody@example.com,retail,
            c-4,c4@example.com,retail,{not json}
            c-3,"broken,retail
            """.utf8
        ).write(to: contacts)
        let imported = try await EbbflowBinary.run(["contacts", "import", contacts.path] + base)
        #expect(imported.exitCode == 2, "a rejected line makes the exit status 2: \(imported.output)")
        #expect(
            imported.stdout.contains("read 5, inserted 2, updated 0 (status changed 0), rejected 3"),
            "\(imported.stdout)")
        #expect(imported.stderr.contains("line 4: external_id is missing"), "\(imported.stderr)")
        #expect(imported.stderr.contains("line 5: attributes is not a JSON object"), "\(imported.stderr)")
        #expect(imported.stderr.contains("line 6: 2 fields, the header has 4"), "\(imported.stderr)")

        let events = directory.appendingPathComponent("events.ndjson")
        try Data(
            """
            {"external_id": "c-1", "kind": "open", "provider_event_id": "p1"}
            {"external_id": "c-1", "kind": "click", "provider_event_id": "p2"}
            {"external_id": "c-1", "kind": "click", "provider_event_id": "p2"}
            {"external_id": "c-1", "kind": "teleport", "provider_event_id": "p3"}
            not json at all
            {"external_id": "ghost", "kind": "open", "provider_event_id": "p4"}
            {"external_id": "c-1", "kind": "high_intent_visit", "provider_event_id": "p5", "occurred_at": "yesterday"}
            {"external_id": "c-1", "kind": "high_intent_visit", "provider_event_id": "p6"}
            """.utf8
        ).write(to: events)
        let applied = try await EbbflowBinary.run(["events", "import", events.path] + base)
        #expect(applied.exitCode == 2, "\(applied.output)")
        #expect(
            applied.stdout.contains("read 8, applied 3, duplicates 1, unknown contact 1, rejected 3"),
            "\(applied.stdout)")
        #expect(applied.stderr.contains("line 4: unknown event kind \"teleport\""), "\(applied.stderr)")
        #expect(applied.stderr.contains("line 5: not a JSON object"), "\(applied.stderr)")
        #expect(applied.stderr.contains("line 7: occurred_at \"yesterday\""), "\(applied.stderr)")
        #expect(applied.stderr.contains("kept line 6: no contact with external id \"ghost\""), "\(applied.stderr)")
        let shown = try await EbbflowBinary.run(["contacts", "show", "c-1", "--json"] + base)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        #expect(
            object["campaign_status"] as? String == "engaged", "open 5 + click 10 + visit 15 = 30 ≥ 20: \(shown.stdout)"
        )
        #expect((object["transitions"] as? [[String: Any]])?.count == 1)
        let engaged = try await EbbflowBinary.run(["contacts", "list", "--status", "engaged", "--json"] + base)
        let list = try #require(try JSONSerialization.jsonObject(with: Data(engaged.stdout.utf8)) as? [[String: Any]])
        #expect(list.map { $0["external_id"] as? String } == ["c-1"])
        let audience = try await EbbflowBinary.run(["audience"] + base)
        #expect(audience.stdout.contains("2 contacts, 1 in the active audience"), "\(audience.stdout)")
        let swept = try await EbbflowBinary.run(["sweeps", "run", "inactivity"] + base)
        #expect(swept.stdout.contains("0 contact(s) made inactive"), "nobody has been silent 90 days: \(swept.output)")
        let unknownSweep = try await EbbflowBinary.run(["sweeps", "run", "everything"] + base)
        #expect(unknownSweep.exitCode == 1 && unknownSweep.stderr.contains("unknown sweep"))
        let badStatus = try await EbbflowBinary.run(["contacts", "list", "--status", "sleepy"] + base)
        #expect(badStatus.exitCode == 1 && badStatus.stderr.contains("--status must be one of"))
        try await TestDatabase.dropSchema(schema)
    }

    /// A CSV written by Excel (CRLF, a byte order mark, quoted line breaks) once read 0 lines
    /// and exited 0; a CRLF NDJSON file was one rejected line. Both import every line, read
    /// from a file or standard input, and a clean import exits 0.
    @Test func crlfFilesImportEveryLineAndExitZero() async throws {
        let schema = TestDatabase.uniqueSchemaName("crlf")
        let base = ["--schema", schema, "--database-url", try TestDatabase.url]
        #expect(try await EbbflowBinary.run(["migrate"] + base).exitCode == 0)
        let directory = try scratchDirectory(schema)
        defer { try? FileManager.default.removeItem(at: directory) }
        let contacts = directory.appendingPathComponent("contacts.CSV")
        try Data(
            [0xEF, 0xBB, 0xBF]
                + Array("External_ID,Email,Note\r\nc-1,c1@example.com,\"two\r\nlines\"\r\nc-2,c2@example.com,\r\n".utf8)
        ).write(to: contacts)
        let imported = try await EbbflowBinary.run(["contacts", "import", contacts.path] + base)
        #expect(imported.exitCode == 0, "\(imported.output)")
        #expect(imported.stdout.contains("read 2, inserted 2"), "\(imported.stdout)")
        let events = directory.appendingPathComponent("events.ndjson")
        try Data(
            ("{\"external_id\": \"c-1\", \"kind\": \"open\", \"occurred_at\": \"2026-01-01T09:00:00Z\"}\r\n"
                + "{\"external_id\": \"c-2\", \"kind\": \"click\", \"occurred_at\": \"2026-01-01T09:00:00Z\"}\r\n").utf8
        ).write(to: events)
        let applied = try await EbbflowBinary.run(["events", "import", events.path] + base)
        #expect(applied.exitCode == 0 && applied.stdout.contains("read 2, applied 2"), "\(applied.output)")
        let again = try await runReadingStandardInput(
            from: events, ["events", "import", "-", "--format", "ndjson"] + base)
        #expect(
            again.exitCode == 0 && again.stdout.contains("read 2, applied 0, duplicates 2"),
            "re-running applies nothing twice: \(again.stdout)")
        try await TestDatabase.dropSchema(schema)
    }
}

/// Runs `ebbflow ARGS < file` to completion off the cooperative pool; stdout and exit code
/// (small outputs only: read after it exits).
func runReadingStandardInput(from file: URL, _ arguments: [String]) async throws -> (exitCode: Int32, stdout: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: EbbflowBinary.path)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    process.standardInput = try FileHandle(forReadingFrom: file)
    try process.run()
    return await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            continuation.resume(returning: (process.terminationStatus, String(decoding: stdout, as: UTF8.self)))
        }
    }
}

/// A temporary directory for one test's input files.
func scratchDirectory(_ name: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ebbflow-\(name)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}
