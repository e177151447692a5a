// Privacy and consent through the real binary: imports that lift suppressions, forget and export as scripts use them.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct PrivacyCLITests {
    @Test func importsNeedConsentAndForgetAndExportKeepTheirContract() async throws {
        let schema = TestDatabase.uniqueSchemaName("prv")
        let base = ["--schema", schema, "--database-url", try TestDatabase.url]
        #expect(try await EbbflowBinary.run(["migrate"] + base).exitCode == 0)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(schema)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ name: String, _ text: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            try text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        let first = try await EbbflowBinary.run(
            [
                "contacts", "import",
                try file("a.csv", "external_id,email,campaign_status\nz-1,z@example.com,suppressed\n"),
            ]
                + base)
        #expect(first.exitCode == 0, "\(first.output)")
        // Lifting the suppression without a consent source: the line is rejected, exit 2.
        let lift = try await EbbflowBinary.run(
            ["contacts", "import", try file("b.csv", "external_id,campaign_status\nz-1,active\n")] + base)
        #expect(lift.exitCode == 2)
        #expect(
            lift.stderr.contains(
                "line 2: campaign_status suppressed → active lifts a suppression (manual_suppression) and needs consent_source"
            ),
            "\(lift.output)")
        let consented = try await EbbflowBinary.run(
            [
                "contacts", "import",
                try file("c.csv", "external_id,campaign_status,consent_source\nz-1,active,call on 2026-03-01\n"),
            ]
                + base)
        #expect(consented.exitCode == 0 && consented.stdout.contains("status changed 1"), "\(consented.output)")

        // forget --json, then a re-import is refused until it carries a consent source.
        let forgot = try await EbbflowBinary.run(["contacts", "forget", "z-1", "--json"] + base)
        #expect(forgot.exitCode == 0, "\(forgot.output)")
        let document = try JSONSerialization.jsonObject(with: Data(forgot.stdout.utf8)) as? [String: Any]
        #expect(document?["forgotten"] as? Bool == true && document?["from_status"] as? String == "active")
        let back = try await EbbflowBinary.run(
            ["contacts", "import", try file("d.csv", "external_id,email\nnew-9, Z@Example.com\n")] + base)
        #expect(
            back.exitCode == 2 && back.stderr.contains("this person was forgotten (contacts forget)"), "\(back.output)")
        let events = try await EbbflowBinary.run(
            ["events", "import", try file("e.ndjson", #"{"external_id": "z-1", "kind": "open"}"# + "\n")] + base)
        #expect(events.exitCode == 2 && events.stderr.contains("their events are not kept"), "\(events.output)")
        let readded = try await EbbflowBinary.run(
            ["contacts", "import", try file("f.csv", "external_id,email,consent_source\nz-1,z@example.com,web form\n")]
                + base)
        #expect(
            readded.exitCode == 0 && readded.stdout.contains("forgotten people re-added with consent 1"),
            "\(readded.output)")

        // export prints one JSON document with the audit rows.
        let exported = try await EbbflowBinary.run(["contacts", "export", "z-1"] + base)
        #expect(exported.exitCode == 0)
        let export = try JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [String: Any]
        let audit = (export?["audit"] as? [[String: Any]])?.map { $0["action"] as? String }
        #expect(audit == ["readd", "export"])
        let missing = try await EbbflowBinary.run(["contacts", "export", "nobody"] + base)
        #expect(missing.exitCode == 1 && missing.stderr.contains("no contact with external id \"nobody\""))
        try await TestDatabase.dropSchema(schema)
    }
}
