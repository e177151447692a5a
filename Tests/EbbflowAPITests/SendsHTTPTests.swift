// The outbox over real HTTP: list (read scope), lease, ack and fail (admin scope), answering as the CLI does.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct SendsHTTPTests {
    @Test func aSenderLeasesAcksAndFailsOverHTTP() async throws {
        try await ServeProcess.with(simulation: true) { server in
            let client = APIClient(server: server)
            let read = try await server.createKey("reader", scope: "read")
            let admin = try await server.createKey("sender", scope: "admin")
            #expect(try await server.ebbflow(["clock", "set", "2027-01-01T12:00:00Z"]).exitCode == 0)
            let connection = try await TestDatabase.connect()
            try await OutboxSeed.pendingSends(3, schema: server.schema, on: connection)
            await connection.run { $0.close() }

            // Listing reads (read scope) and is the CLI's document.
            let listed = try await client.send("GET", "/v1/sends?state=pending&limit=2", key: read)
            #expect(listed.status == 200)
            #expect((listed.json["sends"] as? [[String: Any]])?.count == 2 && listed.json["next_after"] is Int)
            let cli = try await server.ebbflow(["sends", "list", "--state", "pending", "--limit", "2", "--json"])
            #expect(
                try JSONSerialization.jsonObject(with: Data(cli.stdout.utf8)) as? NSDictionary == listed.json
                    as NSDictionary)
            #expect(try await client.send("GET", "/v1/sends?state=nope", key: read).json["field"] as? String == "state")
            #expect(try await client.send("GET", "/v1/sends?after=-1", key: read).status == 400)

            // Leasing needs admin, a JSON body, and is no GET.
            #expect(try await client.post("/v1/sends/lease", key: read, json: ["limit": 2]).status == 403)
            #expect(try await client.send("GET", "/v1/sends/lease", key: admin).status != 200)
            for (body, field) in [
                (["limit": 0] as [String: Any], "limit"), (["limit": true], "limit"), (["limit": 1.5], "limit"),
                (["limit": 2, "lease": "2d"], "lease"), (["limit": 2, "colour": "red"], "colour"),
            ] {
                let refused = try await client.post("/v1/sends/lease", key: admin, json: body)
                #expect(refused.status == 400 && refused.json["field"] as? String == field, "\(body)")
            }
            let lease = try await client.post("/v1/sends/lease", key: admin, json: ["limit": 2, "lease": "30s"])
            #expect(lease.status == 200)
            let sends = try #require(lease.json["sends"] as? [[String: Any]])
            #expect(sends.compactMap { $0["external_id"] as? String } == ["c-1", "c-2"])
            #expect(sends.first?["lease_expires_at"] as? String == "2027-01-01T12:00:30Z")
            let ids = sends.compactMap { $0["id"] as? Int }

            let ack = try await client.post(
                "/v1/sends/\(ids[0])/ack", key: admin, json: ["message_id": "<1@m.example>"])
            #expect(ack.status == 200 && ack.json["state"] as? String == "sent")
            let again = try await client.post(
                "/v1/sends/\(ids[0])/ack", key: admin, json: ["message_id": "<9@m.example>"])
            #expect(again.status == 409, "finished with another id: \(again.json)")
            let fail = try await client.post(
                "/v1/sends/\(ids[1])/fail", key: admin, json: ["error": "554 rejected", "permanent": true])
            #expect(fail.status == 200 && fail.json["state"] as? String == "dead")
            #expect(try await client.post("/v1/sends/424242/ack", key: admin, json: ["message_id": "x"]).status == 404)
            #expect(try await client.post("/v1/sends/abc/fail", key: admin, json: ["error": "x"]).status == 400)
            let badFail = try await client.post(
                "/v1/sends/\(ids[1])/fail", key: admin, json: ["error": "x", "permanent": "yes"])
            #expect(badFail.status == 400 && badFail.json["field"] as? String == "permanent")
            let badToken = try await client.post(
                "/v1/sends/\(ids[1])/ack", key: admin, json: ["message_id": "x", "lease_token": "nope"])
            #expect(badToken.status == 400 && badToken.json["field"] as? String == "lease_token")
            let badAck = try await client.post("/v1/sends/\(ids[1])/ack", key: admin, json: ["message_id": ""])
            #expect(badAck.status == 400 && badAck.json["field"] as? String == "message_id")
        }
    }
}
