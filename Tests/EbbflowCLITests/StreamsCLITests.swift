// The journey commands as an admin runs them: streams apply/list/show, experiments list/show/promote, bad input.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct StreamsCLITests {
    static let streams = """
        streams:
          - name: welcome
            entry: {event: signup}
            steps:
              - send:
                  template: welcome_a
                  experiment: {name: welcome_subject, metric: opens, variants: [{name: a, template: welcome_a}, {name: b, template: welcome_b}]}
              - wait: 3d
              - send: welcome_2
            exits: [purchase]
          - {name: post_return, mode: locked, entry: {event: product_return}, steps: [{send: sorry}, {wait: 7d}, {end: true}]}
        """

    /// Apply, re-apply, edit; a bad document refused with its field and nothing changed; list
    /// and show in both forms, members per version included; the experiment listed, shown and
    /// promoted by hand; unknown names refused in one line with exit 1.
    @Test func streamsAndExperimentsFromTheCommandLine() async throws {
        let cli = try CLISchema("strcli")
        defer { cli.removeFiles() }
        let (schema, directory) = (cli.schema, cli.directory)
        #expect(try await cli.run(["migrate"]).exitCode == 0)

        let first = try await cli.run(["streams", "apply", try cli.file("streams.yaml", Self.streams)])
        #expect(
            first.exitCode == 0 && first.stdout == "stream welcome created\nstream post_return created\n",
            "\(first.output)")
        let again = try await cli.run(["streams", "apply", try cli.file("streams.yaml", Self.streams)])
        #expect(
            again.stdout.contains("stream welcome unchanged") && again.stdout.contains("stream post_return unchanged"))
        let edited = Self.streams.replacingOccurrences(of: "wait: 3d", with: "wait: 2d")
        let update = try await cli.run(["streams", "apply", try cli.file("edited.yaml", edited)])
        #expect(
            update.stdout.contains("stream welcome updated (version 2)")
                && update.stdout.contains("stream post_return unchanged"))

        // A bad field in the second stream: refused, named, and the first stream not written either.
        let bad = edited.replacingOccurrences(of: "wait: 2d", with: "wait: 5d").replacingOccurrences(
            of: "product_return}", with: "teleport}")
        let refused = try await cli.run(["streams", "apply", try cli.file("bad.yaml", bad)])
        #expect(refused.exitCode == 1, "\(refused.output)")
        #expect(
            refused.stderr.contains("stream post_return: entry.event: unknown event kind \"teleport\"")
                && refused.stderr.contains("unchanged"),
            "\(refused.stderr)")
        let shown = try await cli.run(["streams", "show", "welcome"])
        #expect(
            shown.exitCode == 0 && shown.stdout.contains("version 2") && shown.stdout.contains("wait 2d"),
            "\(shown.output)")
        #expect(
            shown.stdout.contains("experiment welcome_subject on opens: a / b") && shown.stdout.contains("members: 0"))

        // A member of version 2 appears in show, in both forms.
        let connection = try await TestDatabase.connect()
        try await connection.simpleQuery(
            """
            INSERT INTO \(schema).contacts (external_id, email, segment, status_changed_at, created_at)
                VALUES ('cam', 'cam@example.com', 'retail', now(), now());
            INSERT INTO \(schema).stream_memberships (contact_id, stream, mode, entered_at, version)
            SELECT id, 'welcome', 'open', now(), 2 FROM \(schema).contacts;
            """)
        let json = try await cli.run(["streams", "show", "welcome", "--json"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.output)")
        #expect(object["version"] as? Int == 2)
        #expect((object["members"] as? [[String: Any]])?.first?["members"] as? Int == 1)
        #expect(try await cli.run(["streams", "show", "welcome"]).stdout.contains("members: 1 (version 2: 1)"))
        let list = try await cli.run(["streams", "list"])
        #expect(
            list.exitCode == 0 && list.stdout.contains("welcome") && list.stdout.contains("post_return")
                && list.stdout.contains("locked"))

        let experiments = try await cli.run(["experiments", "list"])
        #expect(experiments.exitCode == 0 && experiments.stdout.contains("welcome_subject"), "\(experiments.output)")
        let experiment = try await cli.run(["experiments", "show", "welcome_subject"])
        #expect(experiment.exitCode == 0 && experiment.stdout.contains("VARIANT"), "\(experiment.output)")
        let promoted = try await cli.run(["experiments", "promote", "welcome_subject", "b"])
        #expect(promoted.exitCode == 0 && promoted.stdout.contains("b promoted"), "\(promoted.output)")

        for (arguments, message) in [
            (["streams", "show", "nope"], "no stream named \"nope\""),
            (["experiments", "show", "nope"], "no experiment named \"nope\""),
            (["experiments", "promote", "nope", "a"], "no experiment named \"nope\""),
            (["experiments", "promote", "welcome_subject", "zzz"], "zzz"),
            (["streams", "apply", directory.appendingPathComponent("missing.yaml").path], "missing.yaml"),
        ] {
            let result = try await cli.run(arguments)
            #expect(result.exitCode == 1 && result.stderr.contains(message), "\(arguments): \(result.output)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        }
        try await TestDatabase.dropSchema(schema)
    }
}
