// POST /v1/contacts/{external_id}/suppress and /unsuppress over real HTTP: the CLI's words, admin only, strict bodies.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ConsentHTTPTests {
    @Test func suppressAndUnsuppressOverHTTP() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let ingest = try await server.createKey("site", scope: "ingest")
            let read = try await server.createKey("reader", scope: "read")
            let admin = try await server.createKey("ops", scope: "admin")
            let identify: [String: Any] = [
                "type": "identify", "userId": "p-1", "traits": ["email": "p1@example.com"], "messageId": "id-1",
            ]
            #expect(try await client.post("/v1/batch", key: ingest, json: ["batch": [identify]]).status == 200)
            func post(_ path: String, _ body: String, key: String) async throws -> APIResponse {
                try await client.send(
                    "POST", path, key: key, body: Data(body.utf8), contentType: "application/json")
            }

            #expect(try await post("/v1/contacts/p-1/suppress", #"{"reason": "x"}"#, key: read).status == 403)
            let byGet = try await client.send("GET", "/v1/contacts/p-1/suppress", key: admin)
            #expect(byGet.status == 405)
            let unknownKey = try await post("/v1/contacts/p-1/suppress", #"{"reason": "x", "why": 1}"#, key: admin)
            #expect(unknownKey.status == 400 && unknownKey.json["field"] as? String == "why")
            let empty = try await post("/v1/contacts/p-1/suppress", #"{"reason": ""}"#, key: admin)
            #expect(empty.status == 400 && empty.json["field"] as? String == "reason")
            let control = try await post("/v1/contacts/p-1/suppress", #"{"reason": "a\u0000b"}"#, key: admin)
            #expect(control.status == 400 && control.json["field"] as? String == "reason")
            #expect(try await post("/v1/contacts/nobody/suppress", #"{"reason": "x"}"#, key: admin).status == 404)
            let notSuppressed = try await post(
                "/v1/contacts/p-1/unsuppress", #"{"consent_source": "form"}"#, key: admin)
            #expect(notSuppressed.status == 409)
            let cliConflict = try await server.ebbflow(["contacts", "unsuppress", "p-1", "--consent-source", "form"])
            #expect(cliConflict.exitCode == 1)
            #expect(cliConflict.stderr.contains(notSuppressed.json["error"] as? String ?? "<none>"))

            let suppressed = try await post("/v1/contacts/p-1/suppress", #"{"reason": "asked by phone"}"#, key: admin)
            #expect(suppressed.status == 200, "\(suppressed.text)")
            #expect(suppressed.json["suppression_reason"] as? String == "manual_suppression")
            #expect(
                suppressed.json["message"] as? String
                    == "contact p-1 suppressed (was active): manual_suppression; its pending sends are cancelled")
            let shown = try await client.send("GET", "/v1/contacts/p-1", key: read)
            #expect(shown.json["suppression_reason"] as? String == "manual_suppression")
            let again = try await server.ebbflow(["contacts", "suppress", "p-1", "--reason", "again", "--json"])
            let document = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
            #expect(document?["changed"] as? Bool == false, "\(again.output)")

            let wrongKey = try await post("/v1/contacts/p-1/unsuppress", #"{"reason": "x"}"#, key: admin)
            #expect(wrongKey.status == 400 && wrongKey.json["field"] as? String == "reason")
            let lifted = try await post(
                "/v1/contacts/p-1/unsuppress", #"{"consent_source": "signed form"}"#, key: admin)
            #expect(lifted.status == 200, "\(lifted.text)")
            #expect(lifted.json["campaign_status"] as? String == "active")
        }
    }

    /// `serve`'s /metrics counts the suppressed contacts by reason, sampled from the database.
    @Test func serveShowsSuppressedContactsByReason() async throws {
        let connection = try await TestDatabase.connect()
        try await ServeProcess.with { server in
            try await connection.simpleQuery(
                """
                INSERT INTO "\(server.schema)".contacts (external_id, segment, campaign_status, suppression_reason, status_changed_at, created_at)
                VALUES ('a', 'r', 'suppressed', 'hard_bounce', now(), now()), ('b', 'r', 'suppressed', 'hard_bounce', now(), now())
                """)
            let client = APIClient(server: server)
            // Sampled at startup and every 30 s: wait for the first sample that saw the rows.
            var text = ""
            for _ in 0..<70 where !text.contains("ebbflow_suppressed_contacts{reason=\"hard_bounce\"} 2") {
                text = try await client.send("GET", "/metrics").text
                if !text.contains("reason=\"hard_bounce\"} 2") { try await Task.sleep(for: .seconds(1)) }
            }
            #expect(text.contains("ebbflow_suppressed_contacts{reason=\"hard_bounce\"} 2"), "\(text.prefix(3000))")
            #expect(text.contains("# TYPE ebbflow_suppressed_contacts gauge"))
        }
        await connection.close()
    }
}
