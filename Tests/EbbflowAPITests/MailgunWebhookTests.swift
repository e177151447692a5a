// POST /webhooks/mailgun against a real `ebbflow serve`, signed with HMAC-SHA256: valid, replayed token, retry, tampered, wrong key, stale, malformed.
import Crypto
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct MailgunWebhookTests {
    static let signingKey = "mg-signing-key-for-tests-0123456789"
    let environment = ["EBBFLOW_MAILGUN_SIGNING_KEY": Self.signingKey]

    /// Mailgun's body for `eventData`, signed with `key` at `at` with `token`.
    func body(
        _ eventData: [String: Any], key: String = Self.signingKey, token: String = UUID().uuidString,
        at: Int = Int(Date().timeIntervalSince1970)
    ) -> [String: Any] {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Data("\(at)\(token)".utf8), using: SymmetricKey(data: Data(key.utf8)))
        let hex = mac.map { String(format: "%02x", $0) }.joined()
        return ["signature": ["timestamp": "\(at)", "token": token, "signature": hex], "event-data": eventData]
    }

    func post(_ client: APIClient, _ object: [String: Any]) async throws -> APIResponse {
        try await client.send(
            "POST", "/webhooks/mailgun", body: WebhookFixture.json(object), contentType: "application/json")
    }

    func event(_ id: String, _ type: String, _ extra: [String: Any] = [:]) -> [String: Any] {
        var data: [String: Any] = [
            "id": id, "event": type, "recipient": "ann@example.com", "timestamp": Date().timeIntervalSince1970,
        ]
        for (key, value) in extra { data[key] = value }
        return data
    }

    /// Each Mailgun event type becomes its kind; a replayed request (same token) is refused
    /// even though its signature is valid; a retry of the same event signed anew is stored once.
    @Test func eventsAreStoredAndReplaysRefused() async throws {
        try await ServeProcess.with(environment: environment) { server in
            let client = APIClient(server: server)
            let sendID = try await WebhookFixture.seed(server)
            let cases: [[String: Any]] = [
                event("m-open", "opened", ["user-variables": ["ebbflow_send_id": "\(sendID)"]]),
                event("m-click", "clicked", ["url": "https://x.test/a"]),
                event("m-hard", "failed", ["severity": "permanent", "reason": "bounce"]),
                event("m-soft", "failed", ["severity": "temporary", "reason": "generic"]),
                event("m-unsub-drop", "failed", ["severity": "permanent", "reason": "suppress-unsubscribe"]),
                event("m-spam", "complained"),
                event("m-unsub", "unsubscribed"),
                event("m-delivered", "delivered"),
                event("m-accepted", "accepted"),
                event("m-mpp", "opened", ["client-info": ["bot": "apple"]]),
            ]
            for data in cases {
                let response = try await post(client, body(data))
                #expect(response.status == 200, "\(response.text)")
            }
            #expect(
                try await WebhookFixture.stored(server, provider: "mailgun").map(\.description) == [
                    "m-open c-2 open -", "m-click c-1 click -", "m-hard c-1 bounce hard", "m-soft c-1 bounce soft",
                    "m-unsub-drop c-1 unsubscribe -", "m-spam c-1 complaint -", "m-unsub c-1 unsubscribe -",
                    "m-delivered c-1 delivered -", "m-mpp c-1 open - machine",
                ])
            #expect(try await WebhookFixture.property(server, id: "m-open", "send_id") == "\(sendID)")

            let signed = body(event("m-replayed", "opened"))
            #expect(try await post(client, signed).status == 200)
            let replay = try await post(client, signed)
            #expect(replay.status == 401)
            #expect((replay.json["error"] as? String)?.contains("used before") == true)
            // The same event again, as Mailgun retries it: a new token and signature, stored once.
            let retry = try await post(client, body(event("m-replayed", "opened")))
            #expect(retry.status == 200)
            #expect(retry.json["duplicate"] as? Int == 1, "\(retry.text)")
            #expect(try await WebhookFixture.stored(server, provider: "mailgun").count == 10)
            #expect(try await WebhookFixture.metric(client, provider: "mailgun", outcome: "replay") == 1)
            #expect(try await WebhookFixture.metric(client, provider: "mailgun", outcome: "ignored") == 1)
        }
    }

    /// Another key, a tampered signature or token, a stale or future timestamp: 401, nothing
    /// stored, and a refused request's token is not spent.
    @Test func badSignaturesAreRefused() async throws {
        try await ServeProcess.with(environment: environment) { server in
            let client = APIClient(server: server)
            _ = try await WebhookFixture.seed(server)
            let data = event("m-1", "opened")
            var tamperedToken = body(data, token: "token-one")
            var signature = tamperedToken["signature"] as! [String: Any]
            signature["token"] = "token-two"
            tamperedToken["signature"] = signature
            let now = Int(Date().timeIntervalSince1970)
            let refused = [
                try await post(client, body(data, key: "another-signing-key-0123456789")),
                try await post(client, tamperedToken),
                try await post(client, body(data, token: "kept-token", at: now - 361)),
                try await post(client, body(data, at: now + 600)),
                try await post(client, ["event-data": data]),
                try await client.send(
                    "POST", "/webhooks/mailgun", body: Data("garbage".utf8), contentType: "text/plain"),
            ]
            #expect(refused.map(\.status) == [401, 401, 401, 401, 401, 401], "\(refused.map(\.text))")
            #expect(try await WebhookFixture.stored(server, provider: "mailgun").isEmpty)
            #expect(try await WebhookFixture.metric(client, provider: "mailgun", outcome: "stale") == 2)
            #expect(try await WebhookFixture.metric(client, provider: "mailgun", outcome: "rejected_signature") == 4)
            // The stale request's token was not kept: signed again in time, the same token is taken.
            let fresh = try await post(client, body(data, token: "kept-token"))
            #expect(fresh.status == 200)
            #expect(!server.log.contains(Self.signingKey))
        }
    }

    /// A valid signature over a malformed event: 400 naming the field, nothing stored.
    @Test func malformedEventsAreRefused() async throws {
        try await ServeProcess.with(environment: environment) { server in
            let client = APIClient(server: server)
            let noData = try await post(client, body([:]).filter { $0.key == "signature" })
            #expect(noData.status == 400)
            #expect(noData.json["field"] as? String == "event-data")
            let noSeverity = try await post(client, body(event("m-x", "failed")))
            #expect(noSeverity.status == 400)
            #expect(noSeverity.json["field"] as? String == "event-data.severity", "\(noSeverity.text)")
            let badID = try await post(client, body(["event": "opened", "id": 42]))
            #expect(badID.status == 400)
            #expect(badID.json["field"] as? String == "event-data.id")
            #expect(try await WebhookFixture.stored(server, provider: "mailgun").isEmpty)
            #expect(try await WebhookFixture.metric(client, provider: "mailgun", outcome: "malformed") == 3)
        }
    }

    /// Mailgun signs its timestamp and token, not the event-data: a verified request refused
    /// for its payload still spends its token, so whoever saw it cannot put other event-data
    /// under the same signature (a forged complaint) within the tolerance.
    @Test func aRefusedPayloadStillSpendsItsToken() async throws {
        try await ServeProcess.with(environment: environment) { server in
            let client = APIClient(server: server)
            _ = try await WebhookFixture.seed(server)
            let refused = body(event("m-bad", "failed"), token: "spent-by-a-400")
            #expect(try await post(client, refused).status == 400)
            var forged = refused
            forged["event-data"] = event("m-forged", "complained")
            let reuse = try await post(client, forged)
            #expect(reuse.status == 401, "\(reuse.text)")
            #expect((reuse.json["error"] as? String)?.contains("used before") == true)
            // A stale signature over a bad payload is refused as stale, and its token is not kept.
            let stale = try await post(
                client, body(event("m-bad", "failed"), at: Int(Date().timeIntervalSince1970) - 400))
            #expect(stale.status == 401)
            #expect(try await WebhookFixture.stored(server, provider: "mailgun").isEmpty)
            #expect(try await WebhookFixture.metric(client, provider: "mailgun", outcome: "replay") == 1)
        }
    }

    /// The same signed request posted several times at once: exactly one is accepted, the
    /// others are replays (the token's primary key decides, whichever transaction commits first).
    @Test func concurrentCopiesOfOneRequestAreAcceptedOnce() async throws {
        try await ServeProcess.with(environment: environment) { server in
            let client = APIClient(server: server)
            _ = try await WebhookFixture.seed(server)
            let signed = WebhookFixture.json(body(event("m-race", "opened")))
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await client.send(
                            "POST", "/webhooks/mailgun", body: signed, contentType: "application/json"
                        )
                        .status
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.sorted() == [200, 401, 401, 401, 401, 401, 401, 401], "\(statuses)")
            #expect(try await WebhookFixture.stored(server, provider: "mailgun").map(\.id) == ["m-race"])
            #expect(try await WebhookFixture.metric(client, provider: "mailgun", outcome: "replay") == 7)
        }
    }
}
