// The read and admin endpoints over real HTTP: the CLI's documents and messages, scopes, paging, and no action by GET.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct ReadAdminHTTPTests {
    @Test func aContactReadsAsTheCLIShowsItAndListsPageByCursor() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let ingest = try await server.createKey("site", scope: "ingest")
            let read = try await server.createKey("reader", scope: "read")
            let batch = (0..<5).map { index -> [String: Any] in
                [
                    "type": "identify", "userId": "p-\(index)", "traits": ["email": "p\(index)@example.com"],
                    "messageId": "id-\(index)",
                ]
            }
            #expect(try await client.post("/v1/batch", key: ingest, json: ["batch": batch]).status == 200)

            let shown = try await client.send("GET", "/v1/contacts/p-1", key: read)
            #expect(shown.status == 200)
            let cli = try await server.ebbflow(["contacts", "show", "p-1", "--json"])
            let fromCLI = try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? NSDictionary
            #expect(try JSONSerialization.jsonObject(with: shown.body) as? NSDictionary == fromCLI)

            var seen: [String] = []
            var cursor: String? = nil
            repeat {
                let query = "/v1/contacts?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await client.send("GET", query, key: read)
                #expect(page.status == 200)
                seen += (page.json["contacts"] as? [[String: Any]] ?? []).compactMap { $0["external_id"] as? String }
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil && seen.count < 10
            #expect(seen == ["p-0", "p-1", "p-2", "p-3", "p-4"])

            let missing = try await client.send("GET", "/v1/contacts/nobody", key: read)
            #expect(missing.status == 404)
            let badStatus = try await client.send("GET", "/v1/contacts?status=happy", key: read)
            #expect(badStatus.status == 400)
            #expect(badStatus.json["field"] as? String == "status")
            let unknown = try await client.send("GET", "/v1/contacts?colour=red", key: read)
            #expect(unknown.status == 400)
            #expect(unknown.json["field"] as? String == "colour")
            // A NUL byte cannot reach the database (schemathesis found it as a 500).
            let nul = try await client.send("GET", "/v1/jobs?kind=a%00b", key: read)
            #expect(nul.status == 400)
            #expect(nul.json["field"] as? String == "kind")
            #expect(try await client.send("GET", "/v1/contacts/p%00x", key: read).status == 400)
            // ingest reads nothing.
            #expect(try await client.send("GET", "/v1/contacts/p-1", key: ingest).status == 403)
        }
    }

    @Test func actionsNeedAdminAreRefusedByGETAndSayWhatTheCLISays() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let read = try await server.createKey("reader", scope: "read")
            let admin = try await server.createKey("ops", scope: "admin")

            let byGet = try await client.send("GET", "/v1/jobs/1/retry", key: admin)
            #expect(byGet.status == 405)
            #expect(byGet.header("Allow") == "POST")
            #expect(try await client.send("POST", "/v1/jobs/1/retry", key: read).status == 403)

            let cliMissing = try await server.ebbflow(["jobs", "retry", "424242"])
            let apiMissing = try await client.send("POST", "/v1/jobs/424242/retry", key: admin)
            #expect(apiMissing.status == 404)
            #expect(cliMissing.stderr.contains(apiMissing.json["error"] as? String ?? "<none>"))
            let badID = try await client.send("POST", "/v1/jobs/abc/cancel", key: admin)
            #expect(badID.status == 400)

            // admin implies read.
            let schedules = try await client.send("GET", "/v1/schedules", key: admin)
            #expect(schedules.status == 200)
            let names = (try JSONSerialization.jsonObject(with: schedules.body) as? [[String: Any]] ?? []).compactMap {
                $0["name"] as? String
            }
            let name = try #require(names.first)
            let disabled = try await client.send("POST", "/v1/schedules/\(name)/disable", key: admin)
            #expect(disabled.status == 200)
            #expect((disabled.json["message"] as? String)?.isEmpty == false)
            #expect(try await client.send("POST", "/v1/schedules/no-such-schedule/run", key: admin).status == 404)

            // A bad policy is refused naming its field; the stored policy stays as it was.
            let before = try await server.ebbflow(["policy", "show"]).stdout
            let badPolicy = try await client.send(
                "PUT", "/v1/policy", key: admin, body: Data(#"{"default": {"engaged_threshold": -5}}"#.utf8),
                contentType: "application/json")
            #expect(badPolicy.status == 400)
            #expect(badPolicy.json["error"] != nil)
            #expect(try await server.ebbflow(["policy", "show"]).stdout == before)
            let yaml = try await client.send(
                "PUT", "/v1/policy", key: admin, body: Data("default:\n  engaged_threshold: 25\n".utf8),
                contentType: "application/yaml")
            #expect(yaml.status == 200, "\(yaml.text)")
            #expect(try await server.ebbflow(["policy", "show"]).stdout.contains("25"))
            let promote = try await client.send(
                "POST", "/v1/experiments/none/promote", key: admin, body: Data(#"{"variant":"b","x":1}"#.utf8),
                contentType: "application/json")
            #expect(promote.status == 400)
        }
    }
}
