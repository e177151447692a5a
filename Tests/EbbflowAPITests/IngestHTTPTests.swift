// The ingest endpoints over real HTTP: every status code the contract names, duplicates, partial batches, keys and scopes.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct IngestHTTPTests {
    /// Rows of the server's events table whose provider id is one of `ids`.
    static func storedCount(_ server: ServeProcess, messageIDs ids: [String]) async throws -> Int {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        let row = try await connection.query(
            "SELECT count(*)::int8 AS n FROM \(server.schema).engagement_events WHERE provider_event_id = ANY($1)",
            [ids]
        ).rows.first
        let count: Int64 = try row!.decode("n")
        return Int(count)
    }

    @Test func keysAreCheckedBeforeAnythingIsStored() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let ingest = try await server.createKey("site", scope: "ingest")
            let read = try await server.createKey("reader", scope: "read")
            let message: [String: Any] = ["userId": "c-1", "event": "click", "messageId": "auth-1"]

            let none = try await client.post("/v1/track", key: nil, json: message)
            #expect(none.status == 401)
            #expect(none.header("WWW-Authenticate")?.contains("Bearer") == true)
            #expect((none.json["error"] as? String)?.contains("API key is required") == true)
            let forged = try await client.post(
                "/v1/track", key: "ebf_aaaaaaaaaaaa_" + String(repeating: "A", count: 43), json: message)
            #expect(forged.status == 401)
            #expect(try await client.post("/v1/track", key: "garbage", json: message).status == 401)
            // A key of the wrong scope: 403, saying which scope is needed.
            let wrongScope = try await client.post("/v1/track", key: read, json: message)
            #expect(wrongScope.status == 403)
            #expect((wrongScope.json["error"] as? String)?.contains("needs ingest") == true)
            #expect(try await Self.storedCount(server, messageIDs: ["auth-1"]) == 0)
            // Segment's form: Basic with the key as user name and an empty password.
            let basic = Data("\(ingest):".utf8).base64EncodedString()
            let segment = try await client.post(
                "/v1/track", key: nil, json: message, headers: ["Authorization": "Basic \(basic)"])
            #expect(segment.status == 200)
            let withPassword = Data("\(ingest):secret".utf8).base64EncodedString()
            #expect(
                try await client.post(
                    "/v1/track", key: nil, json: message, headers: ["Authorization": "Basic \(withPassword)"]
                )
                .status == 401)
            // Revoked, the key is refused on its next request; nothing in the log shows a key.
            #expect(try await server.ebbflow(["keys", "revoke", "site"]).exitCode == 0)
            // A process remembers a verified key for a second: refused within it, for good.
            var refusedAfter: Int? = nil
            for attempt in 0..<100 where refusedAfter == nil {
                if try await client.post("/v1/track", key: ingest, json: message).status == 401 {
                    refusedAfter = attempt
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(refusedAfter != nil)
            #expect(try await client.post("/v1/track", key: ingest, json: message).status == 401)
            // The secret is what follows ebf_<12-character public id>_ (it may itself hold '_').
            #expect(!server.log.contains(String(ingest.dropFirst(17))))
            #expect(!server.log.contains(String(read.dropFirst(17))))
        }
    }

    /// Made-up keys spend a small budget of database lookups (429 past it), and a key the
    /// server verified before is served through such a flood.
    @Test func aFloodOfMadeUpKeysCannotCrowdOutARealOne() async throws {
        try await ServeProcess.with(arguments: ["--key-lookup-rate", "1"]) { server in
            let client = APIClient(server: server)
            let key = try await server.createKey("site", scope: "ingest")
            let message: [String: Any] = ["userId": "c-9", "event": "click", "messageId": "flood-0"]
            #expect(try await client.post("/v1/track", key: key, json: message).status == 200)
            let body = try JSONSerialization.data(withJSONObject: message)
            let answers = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for index in 0..<20 {
                    let fake = "ebf_" + String(format: "%012d", index) + "_" + String(repeating: "A", count: 43)
                    group.addTask {
                        try await client.send(
                            "POST", "/v1/track", key: fake, body: body, contentType: "application/json")
                    }
                }
                return try await group.reduce(into: [APIResponse]()) { $0.append($1) }
            }
            let limited = answers.filter { $0.status == 429 }
            #expect(limited.count >= 10, "\(answers.map(\.status))")
            #expect(answers.allSatisfy { $0.status == 401 || $0.status == 429 })
            #expect(limited.allSatisfy { $0.header("Retry-After") != nil })
            #expect(try await client.post("/v1/track", key: key, json: message).status == 200)
        }
    }

    @Test func aRepeatedMessageIsAcceptedAndStoredOnce() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let key = try await server.createKey("site", scope: "ingest")
            let message: [String: Any] = [
                "userId": "c-2", "event": "Email Opened", "messageId": "dup-1", "timestamp": "2026-01-01T10:00:00Z",
            ]
            for _ in 0..<3 {
                let answer = try await client.post("/v1/track", key: key, json: message)
                #expect(answer.status == 200)
                #expect(answer.json["accepted"] as? Int == 1)
            }
            #expect(try await Self.storedCount(server, messageIDs: ["dup-1"]) == 1)
        }
    }

    @Test func aBatchStoresItsGoodMessagesAndNamesTheBadOnes() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let key = try await server.createKey("site", scope: "ingest")
            let batch: [[String: Any]] = [
                ["type": "track", "userId": "c-3", "event": "click", "messageId": "b-0"],
                ["type": "track", "userId": "c-3", "event": "no such kind", "messageId": "b-1"],
                ["type": "identify", "userId": "c-3", "traits": ["email": "c3@example.com"], "messageId": "b-2"],
                ["type": "track", "event": "click", "messageId": "b-3"],
                [
                    "type": "page", "userId": "c-3", "properties": ["url": "https://example.com/pricing"],
                    "messageId": "b-4",
                ],
            ]
            let answer = try await client.post("/v1/batch", key: key, json: ["batch": batch])
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["accepted"] as? Int == 3)
            let rejected = try #require(answer.json["rejected"] as? [[String: Any]])
            #expect(rejected.map { $0["index"] as? Int } == [1, 3])
            #expect(rejected.map { $0["messageId"] as? String } == ["b-1", "b-3"])
            #expect(rejected.allSatisfy { !(($0["reason"] as? String) ?? "").isEmpty })
            #expect(try await Self.storedCount(server, messageIDs: ["b-0", "b-1", "b-3", "b-4"]) == 2)
        }
    }

    @Test func malformedBodiesWrongTypesAndOversizedRequestsStoreNothing() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let key = try await server.createKey("site", scope: "ingest")
            let notJSON = try await client.send(
                "POST", "/v1/batch", key: key, body: Data("{\"batch\": [".utf8), contentType: "application/json")
            #expect(notJSON.status == 400)
            #expect(notJSON.json["error"] != nil)
            let wrongType = try await client.send(
                "POST", "/v1/track", key: key, body: Data("userId=c".utf8), contentType: "text/plain")
            #expect(wrongType.status == 415)
            #expect(wrongType.json["field"] as? String == "Content-Type")
            // Past 500 KB a request: 413, and nothing of it stored.
            let many = (0..<4_000).map { index -> [String: Any] in
                [
                    "type": "track", "userId": "c-4", "event": "click", "messageId": "big-\(index)",
                    "properties": ["pad": String(repeating: "x", count: 100)],
                ]
            }
            let big = try await client.post("/v1/batch", key: key, json: ["batch": many])
            #expect(big.status == 413)
            // Past 32 KB one message: 413 for a single-message endpoint.
            let huge: [String: Any] = [
                "userId": "c-4", "event": "click", "messageId": "huge",
                "properties": ["pad": String(repeating: "y", count: 40_000)],
            ]
            #expect(try await client.post("/v1/track", key: key, json: huge).status == 413)
            #expect(try await Self.storedCount(server, messageIDs: ["huge", "big-0", "big-3999"]) == 0)
            // A missing field of a single message: 400 naming it.
            let missing = try await client.post("/v1/track", key: key, json: ["event": "click", "messageId": "m"])
            #expect(missing.status == 400)
            #expect(missing.json["field"] as? String == "userId")
        }
    }

    @Test func aKeyOverItsRateGets429WithRetryAfter() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let key = try await server.createKey("slow", scope: "ingest", extra: ["--rate-limit", "1"])
            let statuses = try await withThrowingTaskGroup(of: APIResponse.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        try await client.post(
                            "/v1/track", key: key,
                            json: ["userId": "c-5", "event": "click", "messageId": "rl-\(index)"])
                    }
                }
                return try await group.reduce(into: [APIResponse]()) { $0.append($1) }
            }
            let limited = statuses.filter { $0.status == 429 }
            #expect(!limited.isEmpty)
            #expect(statuses.allSatisfy { $0.status == 200 || $0.status == 429 })
            #expect(limited.allSatisfy { Int($0.header("Retry-After") ?? "") ?? 0 >= 1 })
        }
    }

    /// An event over HTTP is applied in the transaction that stores it: by the 200, the
    /// contact's state is what an import of the same events makes it.
    @Test func eventsAreAppliedByTheTimeOfThe200() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let key = try await server.createKey("site", scope: "ingest")
            let identify = try await client.post(
                "/v1/identify", key: key,
                json: ["userId": "c-6", "traits": ["email": "c6@example.com"], "messageId": "i-6"])
            #expect(identify.status == 200)
            for (index, event) in ["Email Link Clicked", "click"].enumerated() {
                #expect(
                    try await client.post(
                        "/v1/track", key: key, json: ["userId": "c-6", "event": event, "messageId": "a-\(index)"]
                    )
                    .status == 200)
            }
            let shown = try await server.ebbflow(["contacts", "show", "c-6", "--json"])
            let document = try #require(
                try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
            #expect(document["campaign_status"] as? String == "engaged")
            #expect(document["email"] as? String == "c6@example.com")
        }
    }

    @Test func nativeNDJSONTakesTheImportsFields() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let key = try await server.createKey("site", scope: "ingest")
            let body = """
                {"external_id":"c-7","kind":"click","provider_event_id":"n-1"}
                {"external_id":"c-7","kind":"nonsense","provider_event_id":"n-2"}
                """
            let answer = try await client.send(
                "POST", "/v1/events", key: key, body: Data(body.utf8), contentType: "application/x-ndjson")
            #expect(answer.status == 200, "\(answer.text)")
            #expect(answer.json["accepted"] as? Int == 1)
            #expect((answer.json["rejected"] as? [[String: Any]])?.first?["index"] as? Int == 1)
        }
    }
}
