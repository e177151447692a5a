// `policy set` and `streams apply` refuse bad documents in one line on stderr, exit 1, and store nothing.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct DocumentInputCLITests {
    /// Nine levels of nine aliases: half a kilobyte standing for 9^9 strings.
    static let billionLaughs: String = {
        let names = Array("abcdefghi").map(String.init)
        var lines = [#"a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]"#]
        for index in 1..<names.count {
            lines.append(
                "\(names[index]): &\(names[index]) [\(Array(repeating: "*\(names[index - 1])", count: 9).joined(separator: ","))]"
            )
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// Each refused document: exit 1, one line naming the field, the value and the bound (or the
    /// unknown key), "unchanged", and the stored document still the good one.
    @Test func badDocumentsAreRefusedInOneLineAndNothingIsStored() async throws {
        let schema = TestDatabase.uniqueSchemaName("docin")
        let base = ["--schema", schema, "--database-url", try TestDatabase.url]
        let directory = try scratchDirectory(schema)
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ name: String, _ text: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            return url.path
        }
        func run(_ arguments: [String]) async throws -> CommandResult { try await EbbflowBinary.run(arguments + base) }
        #expect(try await run(["migrate"]).exitCode == 0)
        #expect(
            try await run(["policy", "set", try file("good.json", #"{"default": {"cooldown_days": 60}}"#)]).exitCode
                == 0)
        #expect(
            try await run([
                "streams", "apply",
                try file(
                    "good.yaml", "name: welcome\nentry: {event: signup}\nsteps: [{send: w1}, {wait: 3d}, {send: w2}]\n"),
            ]).exitCode == 0)

        let policies: [(String, String)] = [
            (
                #"{"default":{"frequency_cap":{"sends":3,"per_days":99999999999}}}"#,
                "policy field default.frequency_cap.per_days = 99999999999: must be between 1 and 3650; the stored policy is unchanged"
            ),
            (
                #"{"default":{"cooldwn_days":45}}"#,
                #"policy field default.cooldwn_days: unknown key "cooldwn_days" in default; the stored policy is unchanged"#
            ),
            (
                #"{"default":{"after_reactivation":"delete"}}"#,
                #"policy field default.after_reactivation: "delete" is not one of suppress, move_to_channel; the stored policy is unchanged"#
            ),
            (
                Self.billionLaughs,
                "policy field (document): not a JSON or YAML policy document: "
                    + "the document stands for more than 100000 values once its YAML aliases are expanded: at most 100000; the stored policy is unchanged"
            ),
        ]
        for (index, (text, expected)) in policies.enumerated() {
            let refused = try await run(["policy", "set", try file("policy\(index)", text)])
            #expect(refused.exitCode == 1 && refused.stdout.isEmpty)
            #expect(refused.stderr == "Error: \(expected)\n", "\(refused.stderr)")
        }
        let shown = try await run(["policy", "show"])
        #expect(
            shown.stdout.contains("\"cooldown_days\" : 60") && shown.stdout.contains("\"per_days\" : 7"),
            "\(shown.stdout)")

        let streams: [(String, String)] = [
            (
                "name: welcome\nentry: {event: signup}\nsteps: [{send: w1}, {wait: 99999999999d}, {send: w2}]\n",
                #"stream welcome: steps[1].wait: "99999999999d": must be at most 3650d (ten years); the stored streams are unchanged"#
            ),
            (
                "name: welcome\nentry: {evnt: signup}\nsteps: [{send: w1}]\n",
                #"stream welcome: entry.evnt: unknown key "evnt" in entry; the stored streams are unchanged"#
            ),
            (
                "name: welcome\nentry: {event: signup}\nsteps: [{send: w1}]\nextis: [purchase]\n",
                #"stream welcome: extis: unknown key "extis"; the stored streams are unchanged"#
            ),
            (
                Self.billionLaughs,
                "stream (document): (document): not a JSON or YAML stream document: "
                    + "the document stands for more than 100000 values once its YAML aliases are expanded: at most 100000; the stored streams are unchanged"
            ),
        ]
        for (index, (text, expected)) in streams.enumerated() {
            let refused = try await run(["streams", "apply", try file("stream\(index).yaml", text)])
            #expect(refused.exitCode == 1 && refused.stdout.isEmpty)
            #expect(refused.stderr == "Error: \(expected)\n", "\(refused.stderr)")
        }
        let stream = try await run(["streams", "show", "welcome"])
        #expect(stream.stdout.contains("version 1") && stream.stdout.contains("wait 3d"), "\(stream.output)")
        try await TestDatabase.dropSchema(schema)
    }

    /// `policy set /dev/zero` never ended and a 300 MB pipe grew the process to 322 MB before
    /// the 1 MiB check: a document is read to one byte past the limit, then refused.
    @Test func anEndlessDocumentIsReadOnlyToTheLimit() async throws {
        let base = ["--schema", TestDatabase.uniqueSchemaName("docin"), "--database-url", try TestDatabase.url]
        let refused = try await EbbflowBinary.run(["policy", "set", "/dev/zero"] + base, timeout: .seconds(120))
        #expect(refused.exitCode == 1)
        #expect(
            refused.stderr == "Error: policy field (document): not a JSON or YAML policy document: "
                + "the document is more than 1048576 bytes: at most 1048576 (1 MiB); the stored policy is unchanged\n",
            "\(refused.stderr)")
    }

    /// After an upgrade whose rules refuse the stored policy and a stored stream: `policy show`
    /// still prints the document with the reason, `migrate` warns (exit 0), `streams list`
    /// names the stream that does not run.
    @Test func storedDocumentsTheRulesNowRefuseAreShownAndReported() async throws {
        let schema = TestDatabase.uniqueSchemaName("docold")
        let base = ["--schema", schema, "--database-url", try TestDatabase.url]
        func run(_ arguments: [String]) async throws -> CommandResult { try await EbbflowBinary.run(arguments + base) }
        #expect(try await run(["migrate"]).exitCode == 0)
        let connection = try await TestDatabase.connect()
        try await connection.execute(
            "INSERT INTO \(schema).policies (document) VALUES ($1::jsonb)",
            [#"{"default": {"frequency_cap": {"sends": 3, "per_days": 99999999999}}}"#])
        try await connection.execute(
            """
            INSERT INTO \(schema).streams (name, mode, priority, definition, created_at, updated_at)
            VALUES ('old', 'open', 5000, $1::jsonb, now(), now())
            """, [#"{"name": "old", "mode": "open", "priority": 5000, "steps": [{"send": {"template": "t1"}}]}"#])
        let shown = try await run(["policy", "show"])
        #expect(shown.exitCode == 1 && shown.stdout.contains("99999999999"), "\(shown.output)")
        #expect(
            shown.stderr
                == "error: policy field default.frequency_cap.per_days = 99999999999: must be between 1 and 3650; "
                + "the stored policy no longer passes this check; correct it with ebbflow policy set\n",
            "\(shown.stderr)")
        let migrated = try await run(["migrate"])
        #expect(migrated.exitCode == 0)
        #expect(
            migrated.stderr.contains("warning: the stored policy: policy field default.frequency_cap.per_days"),
            "\(migrated.stderr)")
        #expect(
            migrated.stderr.contains("warning: stream old version 1: priority 5000: must be between"),
            "\(migrated.stderr)")
        let listed = try await run(["streams", "list"])
        #expect(listed.stdout.contains("not running: stream old version 1: priority 5000"), "\(listed.output)")
        try await TestDatabase.dropSchema(schema)
    }
}
