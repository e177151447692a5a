// POST /webhooks/postmark against a real `ebbflow serve` behind HTTP Basic: each record type, repeats stored once, wrong credentials, malformed.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct PostmarkWebhookTests {
    static let user = "postmark-hooks"
    static let password = "correct horse battery staple".replacingOccurrences(of: " ", with: "-")
    let environment = ["EBBFLOW_POSTMARK_WEBHOOK_USER": Self.user, "EBBFLOW_POSTMARK_WEBHOOK_PASSWORD": Self.password]

    func post(_ client: APIClient, _ body: Data, user: String = Self.user, password: String = Self.password)
        async throws -> APIResponse
    {
        let credentials = Data("\(user):\(password)".utf8).base64EncodedString()
        return try await client.send(
            "POST", "/webhooks/postmark", headers: ["Authorization": "Basic \(credentials)"], body: body,
            contentType: "application/json")
    }

    /// POSTs `body` on a connection of its own and returns the whole answer, head and body.
    static func rawPost(_ server: ServeProcess, authorization: String?, _ body: Data) async throws -> String {
        let connection = try RawHTTPConnection(port: server.port)
        var head = "POST /webhooks/postmark HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        if let authorization { head += "Authorization: \(authorization)\r\n" }
        head += "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        _ = await connection.send(Array(head.utf8) + Array(body))
        return await connection.responseAfterEnd()
    }

    /// Each record type becomes its kind (bounce types read from Postmark's list); a record
    /// delivered again is stored once; a type that says nothing about the address is ignored.
    @Test func recordsAreStoredOnce() async throws {
        try await ServeProcess.with(environment: environment) { server in
            let client = APIClient(server: server)
            let sendID = try await WebhookFixture.seed(server)
            let message = "883953f4-6105-42a2-a16a-77a8eac79483"
            let records: [[String: Any]] = [
                [
                    "RecordType": "Open", "MessageID": message, "Recipient": "b@example.org",
                    "ReceivedAt": "2026-12-07T10:00:00.1234567Z", "Metadata": ["ebbflow_send_id": "\(sendID)"],
                ],
                [
                    "RecordType": "Click", "MessageID": message, "Recipient": "ann@example.com",
                    "ReceivedAt": "2026-12-07T10:01:00Z", "OriginalLink": "https://x.test/a",
                ],
                [
                    "RecordType": "Bounce", "ID": 4_323_372_036, "Type": "HardBounce", "Email": "Ann@example.com",
                    "BouncedAt": "2026-12-07T10:02:00Z",
                ],
                [
                    "RecordType": "Bounce", "ID": 4_323_372_037, "Type": "Transient", "Email": "ann@example.com",
                    "BouncedAt": "2026-12-07T10:03:00Z",
                ],
                [
                    "RecordType": "SpamComplaint", "ID": 4_323_372_038, "Type": "SpamComplaint",
                    "Email": "ann@example.com",
                ],
                [
                    "RecordType": "SubscriptionChange", "MessageID": message, "Recipient": "ann@example.com",
                    "ChangedAt": "2026-12-07T10:04:00Z", "SuppressSending": true,
                    "SuppressionReason": "ManualSuppression",
                ],
                [
                    "RecordType": "SubscriptionChange", "MessageID": message, "Recipient": "ann@example.com",
                    "ChangedAt": "2026-12-07T10:05:00Z", "SuppressSending": false,
                ],
                [
                    "RecordType": "Delivery", "MessageID": message, "Recipient": "ann@example.com",
                    "DeliveredAt": "2026-12-07T09:59:00Z",
                ],
                ["RecordType": "Bounce", "ID": 4_323_372_039, "Type": "AutoResponder", "Email": "ann@example.com"],
            ]
            for record in records {
                let response = try await post(client, WebhookFixture.json(record))
                #expect(response.status == 200, "\(response.text)")
            }
            #expect(
                try await WebhookFixture.stored(server, provider: "postmark").map(\.description) == [
                    "Open:\(message):b@example.org:1796637600123 c-2 open -",
                    "Click:\(message):ann@example.com:1796637660000 c-1 click -", "Bounce:4323372036 c-1 bounce hard",
                    "Bounce:4323372037 c-1 bounce soft", "SpamComplaint:4323372038 c-1 complaint -",
                    "SubscriptionChange:\(message):ann@example.com:1796637840000 c-1 unsubscribe -",
                    "SubscriptionChange:\(message):ann@example.com:1796637900000 c-1 resubscribe -",
                    "Delivery:\(message):ann@example.com:1796637540000 c-1 delivered -",
                ])
            #expect(
                try await WebhookFixture.property(
                    server, id: "SubscriptionChange:\(message):ann@example.com:1796637900000", "consent_source")
                    == "postmark SubscriptionChange")
            for record in records.prefix(3) {
                let again = try await post(client, WebhookFixture.json(record))
                #expect(again.json["duplicate"] as? Int == 1, "\(again.text)")
            }
            #expect(try await WebhookFixture.stored(server, provider: "postmark").count == 8)
            #expect(try await WebhookFixture.metric(client, provider: "postmark", outcome: "duplicate") == 3)
        }
    }

    /// No credentials, another user or password: 401 with a Basic challenge, nothing stored;
    /// valid credentials over a body that is not a record: 400 naming the field.
    @Test func wrongCredentialsAndMalformedRecordsAreRefused() async throws {
        try await ServeProcess.with(environment: environment) { server in
            let client = APIClient(server: server)
            _ = try await WebhookFixture.seed(server)
            let record = WebhookFixture.json([
                "RecordType": "Bounce", "ID": 1, "Type": "HardBounce", "Email": "ann@example.com",
            ])
            func basic(_ user: String, _ password: String) -> String {
                "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
            }
            // Over a bare socket: URLSession on Linux stalls on a Basic challenge it has no credentials for.
            let refused = [
                try await Self.rawPost(server, authorization: nil, record),
                try await Self.rawPost(server, authorization: basic(Self.user, Self.password + "x"), record),
                try await Self.rawPost(server, authorization: basic("someone", Self.password), record),
                try await Self.rawPost(server, authorization: "Basic !!!", record),
            ]
            #expect(refused.allSatisfy { $0.hasPrefix("HTTP/1.1 401") }, "\(refused)")
            #expect(refused.allSatisfy { $0.lowercased().contains("www-authenticate: basic realm=") }, "\(refused)")
            #expect(try await WebhookFixture.stored(server, provider: "postmark").isEmpty)
            let notJSON = try await post(client, Data("{\"RecordType\":".utf8))
            #expect(notJSON.status == 400)
            let noType = try await post(client, WebhookFixture.json(["ID": 1]))
            #expect(noType.status == 400)
            #expect(noType.json["field"] as? String == "RecordType")
            let badTime = try await post(
                client, WebhookFixture.json(["RecordType": "Open", "MessageID": "m", "ReceivedAt": "yesterday"]))
            #expect(badTime.status == 400)
            #expect(badTime.json["field"] as? String == "ReceivedAt")
            #expect(try await WebhookFixture.stored(server, provider: "postmark").isEmpty)
            #expect(try await WebhookFixture.metric(client, provider: "postmark", outcome: "rejected_signature") == 4)
            #expect(!server.log.contains(Self.password))
        }
    }
}
