// Privacy requests over real HTTP and the real binary: export and forget answer as the CLI prints, are POST only, and refuse bad input.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct PrivacyHTTPTests {
    @Test func exportAndForgetAnswerAsTheCLIAndAreAudited() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let ingest = try await server.createKey("site", scope: "ingest")
            let read = try await server.createKey("reader", scope: "read")
            let admin = try await server.createKey("ops", scope: "admin")
            let batch: [[String: Any]] = [
                [
                    "type": "identify", "userId": "ann-1", "traits": ["email": "Ann@Example.com", "plan": "pro"],
                    "messageId": "m-1",
                ],
                [
                    "type": "track", "userId": "ann-1", "event": "Email Clicked", "messageId": "m-2",
                    "properties": ["url": "https://example.com/ann"],
                ],
                ["type": "identify", "userId": "bo-1", "traits": ["email": "bo@example.com"], "messageId": "m-3"],
            ]
            #expect(try await client.post("/v1/batch", key: ingest, json: ["batch": batch]).status == 200)

            // Export: POST only, admin only, the CLI's document.
            #expect(try await client.send("GET", "/v1/contacts/ann-1/export", key: admin).status == 405)
            #expect(try await client.send("POST", "/v1/contacts/ann-1/export", key: read).status == 403)
            let exported = try await client.send("POST", "/v1/contacts/ann-1/export", key: admin)
            #expect(exported.status == 200)
            let document = exported.json
            #expect((document["contact"] as? [String: Any])?["email"] as? String == "Ann@Example.com")
            #expect((document["identify_messages"] as? [Any])?.count == 1)
            #expect((document["audit"] as? [[String: Any]])?.first?["via"] as? String == "api")
            let cli = try await server.ebbflow(["contacts", "export", "ann-1"])
            #expect(cli.exitCode == 0, "\(cli.stderr)")
            let fromCLI = try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any]
            #expect((fromCLI?["audit"] as? [[String: Any]])?.map { $0["via"] as? String } == ["api", "cli"])
            #expect((fromCLI?["events"] as? [Any])?.count == (document["events"] as? [Any])?.count)

            // Bad input: a NUL, an over-long id, an unknown query parameter, an unknown contact.
            #expect(try await client.send("POST", "/v1/contacts/a%00b/export", key: admin).status == 400)
            let long = String(repeating: "x", count: 257)
            let tooLong = try await client.send("POST", "/v1/contacts/\(long)/forget", key: admin)
            #expect(tooLong.status == 400 && tooLong.json["field"] as? String == "external_id")
            #expect(try await client.send("POST", "/v1/contacts/ann-1/forget?now=1", key: admin).status == 400)
            #expect(try await client.send("POST", "/v1/contacts/nobody/forget", key: admin).status == 404)
            #expect(try await client.send("POST", "/v1/contacts/ann-1/forget", key: read).status == 403)

            // Forget over HTTP, then again by the CLI: a clear no-op.
            let forgotten = try await client.send("POST", "/v1/contacts/ann-1/forget", key: admin)
            #expect(forgotten.status == 200)
            #expect(forgotten.json["forgotten"] as? Bool == true)
            let tombstone = try #require(forgotten.json["tombstone"] as? String)
            let again = try await server.ebbflow(["contacts", "forget", "ann-1", "--json"])
            #expect(again.exitCode == 0)
            let againDocument = try JSONSerialization.jsonObject(with: Data(again.stdout.utf8)) as? [String: Any]
            #expect(againDocument?["already_forgotten"] as? Bool == true)
            let text = try await server.ebbflow(["contacts", "forget", tombstone])
            #expect(text.stdout.contains("was already forgotten: nothing to do"))

            // The former id exports nothing; the tombstone exports anonymous rows only.
            let gone = try await client.send("POST", "/v1/contacts/ann-1/export", key: admin)
            #expect(gone.status == 404 && (gone.json["error"] as? String ?? "").contains("was forgotten"))
            let anonymous = try await client.send("POST", "/v1/contacts/\(tombstone)/export", key: admin)
            #expect(anonymous.status == 200)
            let body = String(decoding: anonymous.body, as: UTF8.self)
            for needle in ["ann-1", "Ann@Example.com", "example.com/ann", "\"pro\""] {
                #expect(!body.lowercased().contains(needle.lowercased()), "\(needle) in \(body)")
            }
            #expect(body.contains("\"forget\"") && body.contains("\"forgotten\""))

            // A later identify without consent is refused in the report; with one, it re-adds.
            let refused = try await client.post(
                "/v1/identify", key: ingest, json: ["userId": "ann-1", "traits": ["plan": "free"], "messageId": "m-4"])
            #expect(refused.status == 400 || (refused.json["rejected"] as? [Any])?.count == 1, "\(refused.json)")
            let readded = try await client.post(
                "/v1/batch", key: ingest,
                json: [
                    "batch": [
                        [
                            "type": "identify", "userId": "ann-1", "messageId": "m-5",
                            "traits": ["consent_source": "double opt-in"],
                        ]
                    ]
                ])
            #expect(readded.status == 200 && (readded.json["rejected"] as? [Any])?.isEmpty == true, "\(readded.json)")
            let shown = try await server.ebbflow(["contacts", "show", "ann-1", "--json"])
            #expect(shown.exitCode == 0)

            // The CLI refuses as the API does.
            let missing = try await server.ebbflow(["contacts", "forget", "nobody"])
            #expect(missing.exitCode != 0 && missing.stderr.contains("no contact with external id \"nobody\""))
            let empty = try await server.ebbflow(["contacts", "export", ""])
            #expect(empty.exitCode != 0 && empty.stderr.contains("the external id is empty"))
        }
    }
}

extension PrivacyHTTPTests {
    /// A long history is streamed over HTTP in many chunks and arrives as one valid document,
    /// the same as the CLI prints.
    @Test func aLargeExportStreamsWhole() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let admin = try await server.createKey("ops", scope: "admin")
            let connection = try await TestDatabase.connect()
            try await connection.simpleQuery(
                """
                INSERT INTO "\(server.schema)".contacts (external_id, email, status_changed_at, created_at)
                    VALUES ('busy-1', 'busy@example.com', now(), now());
                INSERT INTO "\(server.schema)".engagement_events (contact_id, external_id, kind, occurred_at, received_at, applied_at, url)
                SELECT c.id, 'busy-1', 'open', timestamptz '2026-01-01' + g * interval '1 second', now(), now(),
                       'https://example.com/' || repeat('x', 100) || g
                FROM "\(server.schema)".contacts c, generate_series(1, 6000) g
                """)
            let exported = try await client.send("POST", "/v1/contacts/busy-1/export", key: admin)
            #expect(exported.status == 200)
            #expect(exported.body.count > 4 * 64 * 1_024, "more than the channel holds at once")
            let events = exported.json["events"] as? [[String: Any]]
            #expect(events?.count == 6000)
            #expect(Set(events?.compactMap { $0["id"] as? Int } ?? []).count == 6000)
            let cli = try await server.ebbflow(["contacts", "export", "busy-1"])
            let fromCLI = try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? [String: Any]
            #expect((fromCLI?["events"] as? [Any])?.count == 6000)
        }
    }
}
