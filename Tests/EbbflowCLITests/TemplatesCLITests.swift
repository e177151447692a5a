// The template commands through the real binary: apply (created, unchanged, new version), refusals with their line, list, show, preview.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct TemplatesCLITests {
    static let templates = """
        templates:
          - name: welcome
            subject: "Hi {{attributes.first_name}}"
            html: "<p>Hello {{attributes.first_name}}, <a href=\\"https://example.com/start\\">start</a>.</p>"
          - name: nudge
            subject: Still there?
            text: "Last: {{last_activity.kind}} {{missing_one}}"
        """

    @Test func templatesFromTheCommandLine() async throws {
        let cli = try CLISchema("tplcli")
        defer { cli.removeFiles() }
        try await TestDatabase.dropping(cli.schema) {
            #expect(try await cli.run(["migrate"]).exitCode == 0)
            let first = try await cli.run(["templates", "apply", try cli.file("t.yaml", Self.templates)])
            #expect(
                first.exitCode == 0
                    && first.stdout == "template welcome created (version 1)\ntemplate nudge created (version 1)\n",
                "\(first.output)")
            let again = try await cli.run(["templates", "apply", try cli.file("t.yaml", Self.templates), "--json"])
            #expect(again.stdout.contains("\"unchanged\""), "\(again.output)")
            let edited = Self.templates.replacingOccurrences(of: "Still there?", with: "Still with us?")
            let update = try await cli.run(["templates", "apply", try cli.file("e.yaml", edited)])
            #expect(
                update.stdout == "template welcome unchanged\ntemplate nudge updated (version 2)\n", "\(update.output)")

            // Bad Mustache in the second template: refused with its name, field and line; nothing written.
            let bad = edited.replacingOccurrences(of: "Still with us?", with: "Gone?").replacingOccurrences(
                of: "{{missing_one}}", with: "{{#open}}x")
            let refused = try await cli.run(["templates", "apply", try cli.file("bad.yaml", bad)])
            #expect(refused.exitCode == 1, "\(refused.output)")
            #expect(
                refused.stderr.contains("template nudge: text: line 1: a section is opened and never closed")
                    && refused.stderr.contains("unchanged"), "\(refused.stderr)")
            let unknownKey = try await cli.run([
                "templates", "apply", try cli.file("k.yaml", "name: x\nsubject: s\ntext: t\nbdy: y\n"),
            ])
            #expect(unknownKey.exitCode == 1 && unknownKey.stderr.contains("template x: bdy: unknown key \"bdy\""))

            let list = try await cli.run(["templates", "list"])
            #expect(
                list.stdout.contains("nudge") && list.stdout.contains("Still with us?") && list.stdout.contains("html"))
            let listJSON = try JSONSerialization.jsonObject(
                with: Data(try await cli.run(["templates", "list", "--json"]).stdout.utf8))
            #expect((listJSON as? [[String: Any]])?.map { $0["version"] as? Int } == [2, 1])
            let old = try await cli.run(["templates", "show", "nudge", "--version", "1"])
            #expect(
                old.stdout.contains("version 1 (current: 2)") && old.stdout.contains("subject: Still there?"),
                "\(old.output)")
            let noVersion = try await cli.run(["templates", "show", "nudge", "--version", "7"])
            #expect(noVersion.exitCode == 1 && noVersion.stderr.contains("template nudge has no version 7"))

            // Preview for a contact, as it would be sent; unknown names refused in one line.
            let contacts = try cli.file("c.csv", "external_id,email,first_name\nann,ann@example.com,Ann <3\n")
            #expect(try await cli.run(["contacts", "import", contacts]).exitCode == 0)
            let preview = try await cli.run(
                ["templates", "preview", "welcome", "--contact", "ann", "--json"],
                environment: ["EBBFLOW_PUBLIC_URL": "https://mail.example.com"])
            let shown = try #require(
                try JSONSerialization.jsonObject(with: Data(preview.stdout.utf8)) as? [String: Any])
            #expect(shown["subject"] as? String == "Hi Ann <3" && shown["to"] as? String == "ann@example.com")
            #expect((shown["html"] as? String)?.contains("Hello Ann &lt;3") == true)
            #expect(shown["text"] as? String == "Hello Ann <3, start (https://example.com/start).")
            let text = try await cli.run(["templates", "preview", "nudge", "--contact", "ann", "--format", "plain"])
            #expect(
                text.stdout.contains("missing variables (rendered empty): last_activity.kind, missing_one"),
                "\(text.output)")
            #expect(!text.stdout.contains("--- html ---"))
            let nobody = try await cli.run(["templates", "preview", "welcome", "--contact", "nobody"])
            #expect(nobody.exitCode == 1 && nobody.stderr.contains("no contact with external id \"nobody\""))
        }
    }
}
