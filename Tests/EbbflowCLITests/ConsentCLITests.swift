// `contacts suppress` and `contacts unsuppress` through the real binary: text and JSON, errors on stderr with exit 1.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ConsentCLITests {
    @Test func suppressShowUnsuppress() async throws {
        let schema = TestDatabase.uniqueSchemaName("cns")
        let base = ["--schema", schema, "--database-url", try TestDatabase.url]
        #expect(try await EbbflowBinary.run(["migrate"] + base).exitCode == 0)
        let connection = try await TestDatabase.connect()
        try await connection.simpleQuery(
            """
            INSERT INTO \(schema).contacts (external_id, email, segment, status_changed_at, created_at)
            VALUES ('k', 'k@example.com', 'retail', now(), now())
            """)
        let suppressed = try await EbbflowBinary.run(["contacts", "suppress", "k", "--reason", "legal hold"] + base)
        #expect(suppressed.exitCode == 0, "\(suppressed.output)")
        #expect(
            suppressed.stdout
                == "contact k suppressed (was active): manual_suppression; its pending sends are cancelled\n")
        let shown = try await EbbflowBinary.run(["contacts", "show", "k"] + base)
        #expect(shown.stdout.contains("status:          suppressed (manual_suppression)"), "\(shown.output)")
        #expect(shown.stdout.contains("active → suppressed (manual_suppression)"), "\(shown.output)")
        let json = try await EbbflowBinary.run(["contacts", "show", "k", "--json"] + base)
        let document = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(document?["suppression_reason"] as? String == "manual_suppression")

        let missing = try await EbbflowBinary.run(["contacts", "unsuppress", "k"] + base)
        #expect(missing.exitCode != 0 && missing.stderr.contains("--consent-source"), "\(missing.output)")
        let bad = try await EbbflowBinary.run(["contacts", "unsuppress", "k", "--consent-source", " "] + base)
        #expect(
            bad.exitCode == 1 && bad.stderr.contains("consent_source must not be only white space"), "\(bad.output)")
        let lifted = try await EbbflowBinary.run(
            ["contacts", "unsuppress", "k", "--consent-source", "signed form", "--json"] + base)
        #expect(lifted.exitCode == 0, "\(lifted.output)")
        let outcome = try JSONSerialization.jsonObject(with: Data(lifted.stdout.utf8)) as? [String: Any]
        #expect(outcome?["campaign_status"] as? String == "active")
        #expect(outcome?["lifted_reason"] as? String == "manual_suppression")
        let unknown = try await EbbflowBinary.run(["contacts", "suppress", "nobody", "--reason", "r"] + base)
        #expect(unknown.exitCode == 1 && unknown.stderr.contains("no contact with external id \"nobody\""))
        try await TestDatabase.dropSchema(schema)
    }
}
