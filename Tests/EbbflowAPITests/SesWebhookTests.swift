// POST /webhooks/ses against a real `ebbflow serve`: SNS signatures (versions 1 and 2) made by the tests' own CA, each refusal, and confirmations.
import EbbflowTestSupport
import Foundation
import Testing
import X509
@preconcurrency import _CryptoExtras

@Suite struct SesWebhookTests {
    /// The shared keys and certificates, made on a thread of their own: four RSA keys take
    /// seconds in a debug build, and a static's first use holds every other thread that reads it
    /// meanwhile, so made on the cooperative pool they stalled every suite (time limits in CI).
    static func pki() async throws -> SnsTestPKI { try await OffPool.run { SnsTestPKI.shared }.get() }

    /// A bounce for one recipient, as SES's event publishing writes it.
    static func bounce(_ email: String, type: String = "Permanent") -> String {
        json([
            "eventType": "Bounce",
            "bounce": [
                "bounceType": type, "bounceSubType": "General", "timestamp": "2026-12-07T09:00:00.000Z",
                "bouncedRecipients": [["emailAddress": email, "diagnosticCode": "smtp; 550 5.1.1 user unknown"]],
            ],
            "mail": ["messageId": "ses-1", "destination": [email], "timestamp": "2026-12-07T08:59:00.000Z"],
        ])
    }

    static func json(_ object: Any) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func rows(_ server: ServeProcess, _ sql: String) async throws -> Int {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        let count: Int64 = try await connection.query("SELECT count(*)::int8 AS n FROM (\(sql)) x").rows.first!
            .decode("n")
        return Int(count)
    }

    @Test func forgedTamperedForeignAndStaleMessagesAreRefusedAndStoreNothing() async throws {
        let pki = try await Self.pki()
        try await ServeProcess.with(environment: pki.environment) { server in
            let client = APIClient(server: server)
            let message = SnsTestMessage(message: Self.ses("Send"))

            // Valid, both versions: an ignored event type still answers 200.
            for version in ["1", "2"] {
                var valid = message
                valid.signatureVersion = version
                valid.messageID = UUID().uuidString
                // A Subject, when SNS has one, is signed too.
                valid.subject = version == "1" ? "Amazon SES Email Event Notification" : nil
                let response = try await client.postSNS(try valid.signed(with: pki.key))
                #expect(response.status == 200, "v\(version): \(response.text)")
            }

            // Tampered: the message changed after it was signed.
            var tampered = try message.signed(with: pki.key)
            tampered["Message"] = Self.bounce("a@example.com")
            var response = try await client.postSNS(tampered)
            #expect(response.status == 401)
            #expect(response.json["error"] as? String == "the signature does not verify with the pinned certificate")
            // Version 1 signature claimed as version 2 fails too.
            var v1 = message
            v1.signatureVersion = "1"
            var relabeled = try v1.signed(with: pki.key)
            relabeled["SignatureVersion"] = "2"
            #expect(try await client.postSNS(relabeled).status == 401)

            // Signed with a key the pinned certificate does not hold.
            response = try await client.postSNS(try message.signed(with: pki.forgerKey))
            #expect(response.status == 401)

            // Certificate URLs that are not SNS's, not https, or name no pinned file.
            let urls = [
                "https://sns.us-east-1.example.com/\(SnsTestPKI.certificateName)",
                "http://sns.us-east-1.amazonaws.com/\(SnsTestPKI.certificateName)",
                "https://sns.us-east-1.amazonaws.com@evil.example/\(SnsTestPKI.certificateName)",
                "https://sns.us-east-1.amazonaws.com:8443/\(SnsTestPKI.certificateName)",
                "https://sns.us-east-1.amazonaws.com.evil.example/\(SnsTestPKI.certificateName)",
                "https://sns.us-east-1.amazonaws.com/a/\(SnsTestPKI.certificateName)",
                "https://sns.us-east-1.amazonaws.com/\(SnsTestPKI.certificateName)?x=1",
                "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-unknown.pem",
                // Traversal and spellings of the host a general URL parser might accept.
                "https://sns.us-east-1.amazonaws.com/../\(SnsTestPKI.certificateName)",
                "https://sns.us-east-1.amazonaws.com/..%2F\(SnsTestPKI.certificateName)",
                "https://sns.us-east-1.amazonaws.com/%53\(SnsTestPKI.certificateName.dropFirst())",
                "https://sns.us-east-1.amazonaws.com./\(SnsTestPKI.certificateName)",
                "https://user@sns.us-east-1.amazonaws.com/\(SnsTestPKI.certificateName)",
                "https://evil.example\\@sns.us-east-1.amazonaws.com/\(SnsTestPKI.certificateName)",
                "https://SNS.US-EAST-1.AMAZONAWS.COM/\(SnsTestPKI.certificateName)",
            ]
            for url in urls {
                var other = message
                other.certificateURL = url
                response = try await client.postSNS(try other.signed(with: pki.key))
                #expect(response.status == 401, "\(url): \(response.text)")
            }
            // The China regions' host is SNS's too (the certificate is what decides).
            var china = message
            china.certificateURL = "https://sns.cn-north-1.amazonaws.com.cn/\(SnsTestPKI.certificateName)"
            #expect(try await client.postSNS(try china.signed(with: pki.key)).status == 200)

            // A validly signed message of a topic not allowed.
            var foreign = message
            foreign.topic = "arn:aws:sns:us-east-1:123456789012:someone-else"
            response = try await client.postSNS(try foreign.signed(with: pki.key))
            #expect(response.status == 403)

            // Stale (3 hours old) and from the future.
            // A bounce goes through the recorder, whose transaction runs the clock check first.
            var stale = message
            stale.message = Self.bounce("a@example.com")
            stale.timestamp = Date() - 3 * 3_600
            response = try await client.postSNS(try stale.signed(with: pki.key))
            #expect(response.status == 401)
            #expect(response.text.contains("more than 2 hours old"))
            var ahead = message
            ahead.timestamp = Date() + 3_600
            #expect(try await client.postSNS(try ahead.signed(with: pki.key)).status == 401)

            // A pinned certificate past its dates.
            var expired = message
            expired.certificateURL = "https://sns.us-east-1.amazonaws.com/\(SnsTestPKI.expiredName)"
            response = try await client.postSNS(try expired.signed(with: pki.expiredKey))
            #expect(response.status == 401)
            #expect(response.text.contains("expired"))

            // Nothing refused was stored, nor anything for the ignored Send events.
            #expect(try await Self.recorded(server).isEmpty)
            #expect(try await Self.rows(server, "SELECT 1 FROM \(server.schema).unmatched_provider_events") == 0)
            let log = server.log
            #expect(log.contains("webhooks/ses: refused"))
            #expect(!log.contains("PRIVATE KEY"))
            let metrics = try await client.send("GET", "/metrics").text
            #expect(metrics.contains(#"ebbflow_webhook_events_total{provider="ses",outcome="rejected_signature"}"#))
            #expect(metrics.contains(#"ebbflow_webhook_events_total{provider="ses",outcome="stale"}"#))
            #expect(metrics.contains(#"ebbflow_webhook_events_total{provider="ses",outcome="rejected_topic"}"#))
        }
    }

    struct Recorded: Equatable, CustomStringConvertible {
        var externalID: String
        var kind: String
        var providerEventID: String
        var detail: String
        var description: String { "\(externalID) \(kind) \(providerEventID) \(detail)" }
    }

    /// The SES events stored as engagement events, ordered by provider event id.
    static func recorded(_ server: ServeProcess) async throws -> [Recorded] {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        return try await connection.query(
            """
            SELECT external_id, kind, provider_event_id,
                   coalesce(properties->>'type', '') || coalesce(url, '') || coalesce(properties->>'send_id', '')
                   || coalesce(properties->>'consent_source', '') AS detail
            FROM \(server.schema).engagement_events WHERE source = 'ses' ORDER BY provider_event_id
            """
        ).rows.map {
            Recorded(
                externalID: try $0.decode("external_id"), kind: try $0.decode("kind"),
                providerEventID: try $0.decode("provider_event_id"), detail: try $0.decode("detail"))
        }
    }

    @Test func eachSESEventTypeIsRecordedPerRecipientOnceAndUnmatchedOnesAreKept() async throws {
        let pki = try await Self.pki()
        try await ServeProcess.with(environment: pki.environment) { server in
            let client = APIClient(server: server)
            let key = try await server.createKey("site", scope: "ingest")
            for (id, email) in [("c-1", "a@example.com"), ("c-2", "b@example.com"), ("c-3", "c@example.com")] {
                let response = try await client.post(
                    "/v1/identify", key: key, json: ["userId": id, "traits": ["email": email], "messageId": "id-\(id)"])
                #expect(response.status == 200, "\(response.text)")
            }
            let connection = try await TestDatabase.connect()
            let sendID: Int64 = try await connection.query(
                """
                INSERT INTO \(server.schema).sends (contact_id, flow, step, template, channel, at)
                SELECT id, 'welcome', 1, 'hello', 'email', now() FROM \(server.schema).contacts WHERE external_id = 'c-3'
                RETURNING id
                """
            ).rows.first!.decode("id")
            await connection.close()

            let now = ISO8601DateFormatter().string(from: Date())
            func post(_ id: String, _ event: [String: Any]) async throws -> APIResponse {
                var message = SnsTestMessage(message: Self.json(event))
                message.messageID = id
                return try await client.postSNS(try message.signed(with: pki.key))
            }
            func bounce(_ type: String, _ emails: [String]) -> [String: Any] {
                [
                    "eventType": "Bounce", "mail": ["destination": emails],
                    "bounce": [
                        "bounceType": type, "timestamp": now,
                        "bouncedRecipients": emails.map { ["emailAddress": $0, "status": "5.1.1"] },
                    ],
                ]
            }
            // Two recipients: one event each; an address matched without case.
            var response = try await post("m-hard", bounce("Permanent", ["a@example.com", "B@Example.com"]))
            #expect(response.status == 200, "\(response.text)")
            #expect(response.json["stored"] as? Int == 2)
            _ = try await post("m-soft", bounce("Transient", ["a@example.com"]))
            _ = try await post("m-undetermined", bounce("Undetermined", ["b@example.com"]))
            _ = try await post(
                "m-complaint",
                [
                    "notificationType": "Complaint", "mail": ["destination": ["b@example.com"]],
                    "complaint": [
                        "complaintFeedbackType": "abuse", "complainedRecipients": [["emailAddress": "b@example.com"]],
                    ],
                ])
            _ = try await post(
                "m-delivery",
                [
                    "eventType": "Delivery", "mail": [:],
                    "delivery": ["timestamp": now, "recipients": ["a@example.com"]],
                ])
            // The send id wins over the address: by tag, then by header.
            _ = try await post(
                "m-open",
                [
                    "eventType": "Open", "open": ["timestamp": now],
                    "mail": ["destination": ["someone@else.example"], "tags": ["ebbflow_send_id": ["\(sendID)"]]],
                ])
            _ = try await post(
                "m-click",
                [
                    "eventType": "Click", "click": ["timestamp": now, "link": "https://example.com/pricing"],
                    "mail": [
                        "destination": ["a@example.com", "b@example.com"],
                        "headers": [["name": "X-Ebbflow-Send-Id", "value": "\(sendID)"]],
                    ],
                ])
            // Ignored, and not recorded: a not-spam report, a Send.
            response = try await post(
                "m-notspam",
                [
                    "eventType": "Complaint", "mail": [:],
                    "complaint": [
                        "complaintFeedbackType": "not-spam",
                        "complainedRecipients": [["emailAddress": "b@example.com"]],
                    ],
                ])
            #expect(response.json["ignored"] as? String == "Complaint with feedback type not-spam")
            // SES list management: unsubscribeAll turned on, then off again (with its consent source).
            func subscription(_ before: Bool, _ after: Bool) -> [String: Any] {
                [
                    "eventType": "Subscription", "mail": ["destination": ["c@example.com"]],
                    "subscription": [
                        "timestamp": now, "oldTopicPreferences": ["unsubscribeAll": before],
                        "newTopicPreferences": ["unsubscribeAll": after],
                    ],
                ]
            }
            _ = try await post("m-unsubscribe", subscription(false, true))
            _ = try await post("m-resubscribe", subscription(true, false))
            response = try await post("m-topics", subscription(false, false))
            #expect(response.json["ignored"] as? String == "Subscription change of topics only")
            // Nobody's address: kept as unmatched.
            response = try await post("m-stranger", bounce("Permanent", ["stranger@example.com"]))
            #expect(response.json["unmatched"] as? Int == 1)
            // A repeat delivery of a message: 200, stored once.
            response = try await post("m-hard", bounce("Permanent", ["a@example.com", "B@Example.com"]))
            #expect(response.status == 200)
            #expect(response.json["duplicate"] as? Int == 2)

            let expected = [
                Recorded(
                    externalID: "c-3", kind: "click", providerEventID: "m-click",
                    detail: "https://example.com/pricing\(sendID)"),
                Recorded(externalID: "c-2", kind: "complaint", providerEventID: "m-complaint", detail: ""),
                Recorded(externalID: "c-1", kind: "delivered", providerEventID: "m-delivery", detail: ""),
                Recorded(externalID: "c-1", kind: "bounce", providerEventID: "m-hard:0", detail: "hard"),
                Recorded(externalID: "c-2", kind: "bounce", providerEventID: "m-hard:1", detail: "hard"),
                Recorded(externalID: "c-3", kind: "open", providerEventID: "m-open", detail: "\(sendID)"),
                Recorded(
                    externalID: "c-3", kind: "resubscribe", providerEventID: "m-resubscribe", detail: "ses subscription"
                ),
                Recorded(externalID: "c-1", kind: "bounce", providerEventID: "m-soft", detail: "soft"),
                Recorded(externalID: "c-2", kind: "bounce", providerEventID: "m-undetermined", detail: "soft"),
                Recorded(externalID: "c-3", kind: "unsubscribe", providerEventID: "m-unsubscribe", detail: ""),
            ]
            #expect(try await Self.recorded(server) == expected)
            #expect(
                try await Self.rows(
                    server,
                    """
                    SELECT 1 FROM \(server.schema).unmatched_provider_events
                    WHERE provider = 'ses' AND provider_event_id = 'm-stranger' AND email = 'stranger@example.com'
                    """
                ) == 1)
            let metrics = try await client.send("GET", "/metrics").text
            for outcome in ["stored", "duplicate", "unmatched", "ignored"] {
                #expect(
                    metrics.contains(#"ebbflow_webhook_events_total{provider="ses",outcome="\#(outcome)"}"#),
                    "\(outcome)")
            }
        }
    }

    @Test func malformedBodiesAre400() async throws {
        let pki = try await Self.pki()
        try await ServeProcess.with(environment: pki.environment) { server in
            let client = APIClient(server: server)
            let valid = try SnsTestMessage(message: Self.ses("Send")).signed(with: pki.key)
            var unknownType = valid
            unknownType["Type"] = "Surprise"
            var unknownKey = valid
            unknownKey["Extra"] = "x"
            var numberID: [String: Any] = valid
            numberID["MessageId"] = 7
            let cases: [(Data, String?)] = [
                (Data("{not json".utf8), nil),
                (Data("[]".utf8), nil),
                (try JSONSerialization.data(withJSONObject: unknownType), "Type"),
                (try JSONSerialization.data(withJSONObject: unknownKey), "Extra"),
                (try JSONSerialization.data(withJSONObject: numberID), "MessageId"),
            ]
            for (body, field) in cases {
                let response = try await client.postSNS(body, type: "Surprise")
                #expect(response.status == 400, "\(String(decoding: body, as: UTF8.self)): \(response.text)")
                #expect(response.json["field"] as? String == field)
            }
            // The type header SNS sends must agree with the body.
            let mismatched = try await client.postSNS(valid, type: "SubscriptionConfirmation")
            #expect(mismatched.status == 400)
            #expect(mismatched.json["field"] as? String == "x-amz-sns-message-type")
            // Signed, but its Message is not an SES event.
            let notSES = try SnsTestMessage(message: "hello").signed(with: pki.key)
            let response = try await client.postSNS(notSES)
            #expect(response.status == 400)
            #expect(response.json["field"] as? String == "Message")
            // Neither text nor JSON, and too large.
            #expect(
                try await client.send("POST", "/webhooks/ses", body: Data("x".utf8), contentType: "image/png").status
                    == 415)
            let large = Data(repeating: UInt8(ascii: " "), count: 1_024 * 1_024 + 1)
            #expect(try await client.postSNS(large).status == 413)
            let metrics = try await client.send("GET", "/metrics").text
            #expect(metrics.contains(#"ebbflow_webhook_events_total{provider="ses",outcome="malformed"}"#))
        }
    }

    @Test func aSubscriptionConfirmationIsVerifiedKeptOnceAndLogged() async throws {
        let pki = try await Self.pki()
        try await ServeProcess.with(environment: pki.environment) { server in
            let client = APIClient(server: server)
            let url =
                "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=\(SnsTestPKI.topic)&Token=2336412f37"
            var confirmation = SnsTestMessage(
                type: "SubscriptionConfirmation",
                message: "You have chosen to subscribe to the topic \(SnsTestPKI.topic).", token: "2336412f37",
                subscribeURL: url)
            let signed = try confirmation.signed(with: pki.key)
            #expect(try await client.postSNS(signed).status == 200)
            #expect(try await client.postSNS(signed).status == 200)
            let kept = try await Self.rows(
                server,
                "SELECT 1 FROM \(server.schema).ses_subscription_confirmations WHERE message_id = '\(confirmation.messageID)' AND subscribe_url = '\(url)'"
            )
            #expect(kept == 1)
            #expect(server.log.contains(url))

            // Its SubscribeURL must be SNS's; its signature covers the URL and the token.
            confirmation.messageID = UUID().uuidString
            confirmation.subscribeURL = "https://evil.example/?Action=ConfirmSubscription"
            #expect(try await client.postSNS(try confirmation.signed(with: pki.key)).status == 400)
            var tampered = signed
            tampered["Token"] = "other"
            #expect(try await client.postSNS(tampered).status == 401)
            #expect(try await Self.rows(server, "SELECT 1 FROM \(server.schema).ses_subscription_confirmations") == 1)

            let unsubscribe = SnsTestMessage(
                type: "UnsubscribeConfirmation", message: "You have unsubscribed.", token: "abc", subscribeURL: url)
            #expect(try await client.postSNS(try unsubscribe.signed(with: pki.key)).status == 200)
            #expect(server.log.contains("SNS unsubscribed this endpoint"))
        }
    }

    @Test func settingsDecideWhetherTheRouteIsServedOrServeStarts() async throws {
        let pki = try await Self.pki()
        // Unset: 404 and one line at start.
        try await ServeProcess.with { server in
            let response = try await APIClient(server: server).postSNS(Data("{}".utf8))
            #expect(response.status == 404)
            #expect(server.log.contains("webhooks/ses disabled: EBBFLOW_SES_TOPIC_ARNS not set"))
        }
        let temporary = NSTemporaryDirectory() + "ebbflow-ses-\(UUID().uuidString.prefix(8))"
        let (untrusted, wrongName, otherCA) = (temporary + "-leaf.pem", temporary + "-pin.crt", temporary + "-ca.pem")
        try pki.certificate.serializeAsPEM().pemString.write(toFile: untrusted, atomically: true, encoding: .utf8)
        try pki.certificate.serializeAsPEM().pemString.write(toFile: wrongName, atomically: true, encoding: .utf8)
        // A CA of the forger's: the pinned certificates do not chain to it.
        let forgerName = try DistinguishedName { CommonName("another CA") }
        try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(pki.forgerKey.publicKey),
            notValidBefore: Date() - 60, notValidAfter: Date() + 86_400, issuer: forgerName, subject: forgerName,
            signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
            },
            issuerPrivateKey: .init(pki.forgerKey)
        ).serializeAsPEM().pemString.write(toFile: otherCA, atomically: true, encoding: .utf8)
        let cases: [([String: String], String)] = [
            (["EBBFLOW_SES_TOPIC_ARNS": "topic"], "is not an SNS topic ARN"),
            (["EBBFLOW_SES_TOPIC_ARNS": ""], "is not an SNS topic ARN"),
            (["EBBFLOW_SES_TOPIC_ARNS": SnsTestPKI.topic], "EBBFLOW_SES_CERTIFICATES must name"),
            (pki.environment.merging(["EBBFLOW_SES_CERTIFICATES": "/nonexistent"]) { $1 }, "does not exist"),
            (pki.environment.merging(["EBBFLOW_SES_CA": untrusted]) { $1 }, "holds no self-signed"),
            (pki.environment.merging(["EBBFLOW_SES_CA": otherCA]) { $1 }, "does not chain to a root"),
            (pki.environment.merging(["EBBFLOW_SES_CERTIFICATES": wrongName]) { $1 }, "is not named as"),
            (
                pki.environment.merging(["EBBFLOW_SES_CERTIFICATES": untrusted, "EBBFLOW_SES_CA": ""]) { $1 },
                "webhooks/ses enabled"
            ),
            (pki.environment.merging(["EBBFLOW_SES_AUTO_CONFIRM": "1"]) { $1 }, "automatic confirmation is not built"),
        ]
        for (environment, message) in cases {
            let result = try await EbbflowBinary.run(
                ["serve", "--schema", "unused", "--port", "0"], environment: environment, timeout: .seconds(60))
            #expect(result.exitCode == 1, "\(environment)")
            #expect(result.stderr.contains(message), "\(environment): \(result.stderr)")
        }
    }

    /// An SES event of `type` with nothing in it but its mail object.
    static func ses(_ type: String) -> String {
        json(["eventType": type, "mail": ["messageId": "ses-0", "destination": ["a@example.com"]], "send": [:]])
    }
}
