// Queue rate limits over real HTTP: PUT and DELETE a limit (admin), GET the queues (read), the CLI's messages and refusals.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct QueueLimitHTTPTests {
    @Test func limitsAreSetListedAndClearedAsTheCLIDoes() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let read = try await server.createKey("reader", scope: "read")
            let admin = try await server.createKey("ops", scope: "admin")
            func put(_ path: String, _ body: String, key: String) async throws -> APIResponse {
                try await client.send("PUT", path, key: key, body: Data(body.utf8), contentType: "application/json")
            }

            #expect(try await put("/v1/queues/deliver/limit", #"{"rate": "14/s"}"#, key: read).status == 403)
            let set = try await put("/v1/queues/deliver/limit", #"{"rate": "14/s"}"#, key: admin)
            #expect(set.status == 200)
            #expect(set.json["message"] as? String == "queue deliver limited to 14/s (new limit)")
            #expect(set.json["created"] as? Bool == true)
            // A queue name with a slash travels percent-encoded.
            #expect(try await put("/v1/queues/mail%2Fhigh/limit", #"{"rate": "600/m"}"#, key: admin).status == 200)

            let listed = try await client.send("GET", "/v1/queues", key: read)
            #expect(listed.status == 200)
            let cli = try await server.ebbflow(["queues", "list", "--json"])
            let fromCLI = try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? NSArray
            let fromAPI = try JSONSerialization.jsonObject(with: listed.body) as? NSArray
            #expect(fromAPI?.count == fromCLI?.count && fromAPI?.count ?? 0 >= 2)
            let queues = (fromAPI as? [[String: Any]] ?? []).compactMap { $0["queue"] as? String }
            #expect(queues.contains("deliver") && queues.contains("mail/high"), "\(queues)")

            let bad = try await put("/v1/queues/deliver/limit", #"{"rate": "14/h"}"#, key: admin)
            #expect(bad.status == 400)
            #expect(bad.json["field"] as? String == "rate")
            #expect(
                bad.json["error"] as? String
                    == #"rate "14/h": must be N/s or N/m, N a whole number from 1 to 100000"#)
            let unknown = try await put("/v1/queues/deliver/limit", #"{"rate": "1/s", "per": "s"}"#, key: admin)
            #expect(unknown.status == 400 && unknown.json["field"] as? String == "per")
            let number = try await put("/v1/queues/deliver/limit", #"{"rate": 14}"#, key: admin)
            #expect(number.status == 400 && number.json["field"] as? String == "rate")
            let comma = try await put("/v1/queues/a%2Cb/limit", #"{"rate": "1/s"}"#, key: admin)
            #expect(comma.status == 400 && comma.json["field"] as? String == "queue")

            let cleared = try await client.send("DELETE", "/v1/queues/deliver/limit", key: admin)
            #expect(cleared.status == 200 && cleared.json["message"] as? String == "queue deliver no longer limited")
            let again = try await client.send("DELETE", "/v1/queues/deliver/limit", key: admin)
            #expect(again.status == 200 && again.json["removed"] as? Bool == false)
            #expect(try await client.send("DELETE", "/v1/queues/deliver/limit", key: read).status == 403)
        }
    }
}
