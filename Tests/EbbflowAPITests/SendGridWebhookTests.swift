// POST /webhooks/sendgrid against a real `ebbflow serve`, signed with a P-256 key the test makes: valid, tampered, wrong key, stale, repeats, malformed.
import Crypto
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct SendGridWebhookTests {
    let key = P256.Signing.PrivateKey()
    var environment: [String: String] {
        ["EBBFLOW_SENDGRID_PUBLIC_KEY": key.publicKey.derRepresentation.base64EncodedString()]
    }

    /// Posts `body` signed with `signer` at `at` (Unix seconds).
    func post(
        _ client: APIClient, _ body: Data, signer: P256.Signing.PrivateKey? = nil,
        at: Int = Int(Date().timeIntervalSince1970),
        signedBody: Data? = nil
    ) async throws -> APIResponse {
        let timestamp = "\(at)"
        let signature = try (signer ?? key).signature(for: Data(timestamp.utf8) + (signedBody ?? body))
        return try await client.send(
            "POST", "/webhooks/sendgrid",
            headers: [
                "X-Twilio-Email-Event-Webhook-Signature": signature.derRepresentation.base64EncodedString(),
                "X-Twilio-Email-Event-Webhook-Timestamp": timestamp,
            ], body: body, contentType: "application/json")
    }

    func batch(sendID: Int64) -> Data {
        let now = Int(Date().timeIntervalSince1970)
        return WebhookFixture.json([
            [
                "event": "open", "sg_event_id": "sg-open", "email": "b@example.org", "timestamp": now,
                "sg_machine_open": true, "ebbflow_send_id": "\(sendID)",
            ],
            [
                "event": "click", "sg_event_id": "sg-click", "email": "ANN@example.com", "timestamp": now,
                "url": "https://x.test/a",
            ],
            [
                "event": "bounce", "sg_event_id": "sg-hard", "email": "b@example.org", "timestamp": now,
                "type": "bounce",
            ],
            [
                "event": "bounce", "sg_event_id": "sg-soft", "email": "ann@example.com", "timestamp": now,
                "type": "blocked",
            ],
            ["event": "spamreport", "sg_event_id": "sg-spam", "email": "ann@example.com", "timestamp": now],
            [
                "event": "dropped", "sg_event_id": "sg-drop", "email": "ann@example.com", "timestamp": now,
                "reason": "Unsubscribed Address",
            ],
            [
                "event": "group_unsubscribe", "sg_event_id": "sg-unsub", "email": "ann@example.com", "timestamp": now,
                "asm_group_id": 7,
            ],
            ["event": "delivered", "sg_event_id": "sg-delivered", "email": "ann@example.com", "timestamp": now],
            ["event": "processed", "sg_event_id": "sg-processed", "email": "ann@example.com", "timestamp": now],
            ["event": "deferred", "sg_event_id": "sg-deferred", "email": "ann@example.com", "timestamp": now],
            ["event": "open", "sg_event_id": "sg-stranger", "email": "nobody@example.net", "timestamp": now],
        ])
    }

    /// A signed batch is stored (by send id, else by address without case), each SendGrid
    /// type as its ebbflow kind; a repeat delivery of the batch is stored once; the metric counts both.
    @Test func aSignedBatchIsStoredOnceEvenWhenDeliveredAgain() async throws {
        try await ServeProcess.with(environment: environment) { server in
            let client = APIClient(server: server)
            let sendID = try await WebhookFixture.seed(server)
            let body = batch(sendID: sendID)
            let first = try await post(client, body)
            #expect(first.status == 200, "\(first.text)")
            // `delivered` is kept but rejected by the applier until the policy accepts the kind (the consent rules).
            let applied = (first.json["stored"] as? Int ?? 0) + (first.json["rejected"] as? Int ?? 0)
            #expect(applied == 8, "\(first.text)")
            #expect(first.json["unmatched"] as? Int == 1)
            #expect(first.json["ignored"] as? Int == 2)
            let stored = try await WebhookFixture.stored(server, provider: "sendgrid")
            #expect(
                stored.map(\.description) == [
                    "sg-open c-2 open - machine", "sg-click c-1 click -", "sg-hard c-2 bounce hard",
                    "sg-soft c-1 bounce soft", "sg-spam c-1 complaint -", "sg-drop c-1 unsubscribe -",
                    "sg-unsub c-1 unsubscribe -", "sg-delivered c-1 delivered -",
                ])
            #expect(try await WebhookFixture.property(server, id: "sg-open", "send_id") == "\(sendID)")
            #expect(try await WebhookFixture.unmatched(server, provider: "sendgrid") == ["sg-stranger"])

            let again = try await post(client, body)
            #expect(again.status == 200)
            #expect(again.json["duplicate"] as? Int == 9, "\(again.text)")
            #expect(try await WebhookFixture.stored(server, provider: "sendgrid").count == 8)
            #expect(
                try await WebhookFixture.metric(client, provider: "sendgrid", outcome: "stored")
                    + WebhookFixture.metric(client, provider: "sendgrid", outcome: "rejected") == 8)
            #expect(try await WebhookFixture.metric(client, provider: "sendgrid", outcome: "duplicate") == 9)
            #expect(try await WebhookFixture.metric(client, provider: "sendgrid", outcome: "ignored") == 4)
            #expect(try await client.send("GET", "/metrics").text.contains("# HELP ebbflow_webhook_events_total "))
        }
    }

    /// A tampered body, another key, a stale or future timestamp, a missing or garbled
    /// signature: 401, nothing stored, the reason counted and logged, the key never shown.
    @Test func badSignaturesAreRefusedBeforeAnythingIsStored() async throws {
        try await ServeProcess.with(environment: environment) { server in
            let client = APIClient(server: server)
            let sendID = try await WebhookFixture.seed(server)
            let body = batch(sendID: sendID)
            var tampered = body
            tampered[tampered.count - 3] = UInt8(ascii: "X")
            let refused = [
                try await post(client, tampered, signedBody: body),
                try await post(client, body, signer: P256.Signing.PrivateKey()),
                try await post(client, body, at: Int(Date().timeIntervalSince1970) - 600),
                try await post(client, body, at: Int(Date().timeIntervalSince1970) + 600),
                try await client.send("POST", "/webhooks/sendgrid", body: body, contentType: "application/json"),
                try await client.send(
                    "POST", "/webhooks/sendgrid",
                    headers: [
                        "X-Twilio-Email-Event-Webhook-Signature": "not base64!",
                        "X-Twilio-Email-Event-Webhook-Timestamp": "\(Int(Date().timeIntervalSince1970))",
                    ], body: body, contentType: "application/json"),
            ]
            #expect(refused.map(\.status) == [401, 401, 401, 401, 401, 401], "\(refused.map(\.text))")
            #expect((refused[2].json["error"] as? String)?.contains("from the server's clock") == true)
            #expect(try await WebhookFixture.stored(server, provider: "sendgrid").isEmpty)
            #expect(try await WebhookFixture.unmatched(server, provider: "sendgrid").isEmpty)
            #expect(try await WebhookFixture.metric(client, provider: "sendgrid", outcome: "rejected_signature") == 4)
            #expect(try await WebhookFixture.metric(client, provider: "sendgrid", outcome: "stale") == 2)
            #expect(server.log.contains("webhook refused"))
            #expect(!server.log.contains(environment["EBBFLOW_SENDGRID_PUBLIC_KEY"]!))
        }
    }

    /// A signed body that is not a batch of events: 400 naming the field, nothing stored; a
    /// body past 1 MiB: 413.
    @Test func malformedOrOversizedBodiesAreRefused() async throws {
        try await ServeProcess.with(environment: environment) { server in
            let client = APIClient(server: server)
            let now = Int(Date().timeIntervalSince1970)
            let notJSON = try await post(client, Data("[{\"event\": ".utf8))
            #expect(notJSON.status == 400)
            let notArray = try await post(client, Data("{\"event\": \"open\"}".utf8))
            #expect(notArray.status == 400)
            let noType = try await post(
                client,
                WebhookFixture.json([
                    ["event": "open", "sg_event_id": "ok", "email": "ann@example.com", "timestamp": now],
                    ["sg_event_id": "no-type", "email": "ann@example.com"],
                ]))
            #expect(noType.status == 400)
            #expect(noType.json["field"] as? String == "[1].event", "\(noType.text)")
            let badTime = try await post(
                client, WebhookFixture.json([["event": "open", "sg_event_id": "t", "timestamp": 1e300]]))
            #expect(badTime.status == 400)
            #expect(badTime.json["field"] as? String == "[0].timestamp")
            #expect(try await WebhookFixture.stored(server, provider: "sendgrid").isEmpty)
            let huge = try await post(client, Data(repeating: UInt8(ascii: " "), count: 1_048_577))
            #expect(huge.status == 413)
            #expect(try await WebhookFixture.metric(client, provider: "sendgrid", outcome: "malformed") == 4)
        }
    }

    /// Without their variables the other providers' routes answer 404, and the start said so once.
    @Test func unconfiguredProvidersAnswer404() async throws {
        try await ServeProcess.with(environment: environment) { server in
            let client = APIClient(server: server)
            for provider in ["mailgun", "postmark"] {
                let response = try await client.send(
                    "POST", "/webhooks/\(provider)", body: Data("{}".utf8), contentType: "application/json")
                #expect(response.status == 404, "\(provider)")
            }
            #expect(server.log.contains("webhooks/mailgun disabled: EBBFLOW_MAILGUN_SIGNING_KEY not set"))
            #expect(!server.log.contains("webhooks/sendgrid disabled"))
        }
    }

    /// A key set but malformed stops `serve` with one line naming the variable, not its value.
    @Test func aMalformedSecretRefusesToStart() async throws {
        let cases = [
            ["EBBFLOW_SENDGRID_PUBLIC_KEY": "c2VjcmV0LXRoYXQtaXMtbm90LWEta2V5"],
            ["EBBFLOW_SENDGRID_PUBLIC_KEY": "%%%not base64%%%"],
            ["EBBFLOW_MAILGUN_SIGNING_KEY": "k3y-x9"],
            ["EBBFLOW_POSTMARK_WEBHOOK_USER": "pm-user-7f3a"],
        ]
        let schema = TestDatabase.uniqueSchemaName("api")
        try await TestDatabase.dropping(schema) {
            let migrated = try await EbbflowBinary.run(["migrate", "--schema", schema], timeout: .seconds(120))
            #expect(migrated.exitCode == 0)
            for environment in cases {
                let result = try await EbbflowBinary.run(
                    ["serve", "--schema", schema, "--port", "0"], environment: environment, timeout: .seconds(60))
                let name = environment.keys.first!
                #expect(result.exitCode != 0, "\(environment)")
                #expect(result.stderr.contains(name), "\(result.output)")
                #expect(!result.output.contains(environment.values.first!), "\(result.output)")
                #expect(!result.output.contains("listening on"))
            }
        }
    }
}
