// The issue's scenario end to end: a flow over 1,000 contacts; 100 unsubscribe by one-click POST, 50 hard-bounce (SendGrid) and 20 complain (Mailgun) mid-flow.
import Crypto
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

/// Everything as a user runs it: `contacts import`, `flows start`, `worker --drain` and
/// `clock set` through the real binary, the one-click POSTs and the providers' signed webhooks
/// over HTTP to a real `ebbflow serve`. Why this test beside the engine's
/// (`ConsentFlowAtScaleTests`): it proves the front doors reach the rule, with real signatures
/// and the database clock judging their age, while a flow runs.
@Suite struct ConsentScenarioHTTPTests {
    let sendGridKey = P256.Signing.PrivateKey()
    static let mailgunKey = "mg-scenario-signing-key-0123456789"
    /// Day 0 of the simulated clock; each later day is 24 h on.
    let start = Date(timeIntervalSince1970: 1_830_000_000)

    var environment: [String: String] {
        [
            "EBBFLOW_SENDGRID_PUBLIC_KEY": sendGridKey.publicKey.derRepresentation.base64EncodedString(),
            "EBBFLOW_MAILGUN_SIGNING_KEY": Self.mailgunKey,
        ]
    }

    @Test func suppressedMidFlowGetNothingMoreEachAuditedAndTheRestContinue() async throws {
        try await ServeProcess.with(environment: environment, simulation: true) { server in
            let client = APIClient(server: server)
            let schema = try SchemaName(server.schema)
            let names = (1...1_000).map { String(format: "p%04d", $0) }
            try await ebbflow(["clock", "set", ISO8601Text.string(start)], server)
            let csv = NSTemporaryDirectory() + "scenario-\(server.schema).csv"
            try ("external_id,email\n" + names.map { "\($0),\($0)@example.com\n" }.joined())
                .write(toFile: csv, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: csv) }
            try await ebbflow(["contacts", "import", csv], server)
            try await ebbflow(
                ["flows", "start", "welcome", "--segment", "default", "--template", "w", "--every", "1d"], server)
            try await ebbflow(["worker", "--drain"], server)
            let connection = try await TestDatabase.connect()
            defer { Task { await connection.close() } }
            #expect(try await sendsByContact(connection, schema).values.reduce(0, +) == 1_000, "day 0: one send each")

            // Mid-flow, day 1 before the worker runs: the three groups act through the three doors.
            try await ebbflow(["clock", "set", ISO8601Text.string(start.addingTimeInterval(86_400))], server)
            let unsubscribed = Array(names[0..<100]), bounced = Array(names[100..<150])
            let complained = Array(names[150..<170])
            let base = try PublicBaseURL(server.baseURL)
            let links = try await connection.withTransaction { connection in
                let now = try DatabaseClock(schema: schema).now(on: connection)
                return try unsubscribed.map {
                    try UnsubscribeLinks(schema: schema, base: base).url(externalID: $0, now: now, on: connection)!
                }
            }
            for link in links {
                let answer = try await client.send(
                    "POST", String(link.dropFirst(server.baseURL.count)), body: Data("List-Unsubscribe=One-Click".utf8),
                    contentType: "application/x-www-form-urlencoded")
                #expect(answer.status == 200, "\(answer.text)")
            }
            let sendIDs = try await firstSends(connection, schema)
            let signedAt = Int(start.addingTimeInterval(86_400).timeIntervalSince1970)
            let bounces = WebhookFixture.json(
                bounced.map {
                    [
                        "event": "bounce", "type": "bounce", "sg_event_id": "sg-\($0)", "email": "\($0)@example.com",
                        "timestamp": signedAt, "ebbflow_send_id": "\(sendIDs[$0]!)",
                    ] as [String: Any]
                })
            let signature = try sendGridKey.signature(for: Data("\(signedAt)".utf8) + bounces)
            let sendGrid = try await client.send(
                "POST", "/webhooks/sendgrid",
                headers: [
                    "X-Twilio-Email-Event-Webhook-Signature": signature.derRepresentation.base64EncodedString(),
                    "X-Twilio-Email-Event-Webhook-Timestamp": "\(signedAt)",
                ], body: bounces, contentType: "application/json")
            #expect(sendGrid.status == 200 && sendGrid.json["stored"] as? Int == 50, "\(sendGrid.text)")
            for name in complained {
                let token = UUID().uuidString
                let mac = HMAC<SHA256>.authenticationCode(
                    for: Data("\(signedAt)\(token)".utf8), using: SymmetricKey(data: Data(Self.mailgunKey.utf8)))
                let body: [String: Any] = [
                    "signature": [
                        "timestamp": "\(signedAt)", "token": token,
                        "signature": mac.map { String(format: "%02x", $0) }.joined(),
                    ],
                    "event-data": [
                        "id": "mg-\(name)", "event": "complained", "recipient": "\(name)@example.com",
                        "timestamp": Double(signedAt), "user-variables": ["ebbflow_send_id": "\(sendIDs[name]!)"],
                    ],
                ]
                let answer = try await client.send(
                    "POST", "/webhooks/mailgun", body: WebhookFixture.json(body), contentType: "application/json")
                #expect(answer.status == 200 && answer.json["stored"] as? Int == 1, "\(answer.text)")
            }

            for day in 1...3 {
                try await ebbflow(
                    ["clock", "set", ISO8601Text.string(start.addingTimeInterval(Double(day) * 86_400))], server)
                try await ebbflow(["worker", "--drain"], server)
            }
            let sends = try await sendsByContact(connection, schema)
            let gone = unsubscribed + bounced + complained
            #expect(gone.filter { sends[$0] != 1 }.isEmpty, "no send after the suppression")
            #expect(names[170...].filter { sends[$0] != 3 }.isEmpty, "everyone else gets the flow's three sends")
            let audit = try await connection.query(
                """
                SELECT t.reason, e.source, count(*)::int AS n FROM \(schema.quoted).transitions t
                JOIN \(schema.quoted).engagement_events e ON e.id = t.event_id
                WHERE t.from_status = 'active' AND t.to_status = 'suppressed'
                GROUP BY t.reason, e.source ORDER BY t.reason
                """
            ).rows.map {
                "\(try $0.decode("reason", as: String.self)) \(try $0.decode("source", as: String.self)) "
                    + "\(try $0.decode("n", as: Int.self))"
            }
            #expect(audit == ["complaint mailgun 20", "hard_bounce sendgrid 50", "unsubscribed one_click 100"])
            let statuses = try await connection.query(
                """
                SELECT external_id, suppression_reason FROM \(schema.quoted).contacts
                WHERE campaign_status = 'suppressed' ORDER BY external_id
                """
            ).rows.map {
                "\(try $0.decode("external_id", as: String.self)) \(try $0.decode("suppression_reason", as: String.self))"
            }
            #expect(
                statuses
                    == unsubscribed.map { "\($0) unsubscribed" } + bounced.map { "\($0) hard_bounce" }
                    + complained.map { "\($0) complaint" })
            let metrics = try await client.send("GET", "/metrics").text
            #expect(
                metrics.contains(#"ebbflow_webhook_events_total{outcome="stored",provider="sendgrid"} 50"#)
                    || metrics.contains(#"ebbflow_webhook_events_total{provider="sendgrid",outcome="stored"} 50"#),
                "\(metrics)")
        }
    }

    /// Runs `ebbflow ARGS --schema S` and requires it to succeed.
    func ebbflow(_ arguments: [String], _ server: ServeProcess) async throws {
        let result = try await EbbflowBinary.run(arguments + ["--schema", server.schema], timeout: .seconds(300))
        try #require(result.exitCode == 0, "ebbflow \(arguments.joined(separator: " ")): \(result.output)")
    }

    func sendsByContact(_ connection: PGConnection, _ schema: SchemaName) async throws -> [String: Int] {
        try await connection.query(
            """
            SELECT c.external_id, count(s.id)::int AS n FROM \(schema.quoted).contacts c
            LEFT JOIN \(schema.quoted).sends s ON s.contact_id = c.id GROUP BY c.external_id
            """
        ).rows.reduce(into: [String: Int]()) { $0[try $1.decode("external_id")] = try $1.decode("n") }
    }

    /// Each contact's first send, which the providers' events name as ebbflow's send id.
    func firstSends(_ connection: PGConnection, _ schema: SchemaName) async throws -> [String: Int64] {
        try await connection.query(
            """
            SELECT c.external_id, min(s.id) AS id FROM \(schema.quoted).contacts c
            JOIN \(schema.quoted).sends s ON s.contact_id = c.id GROUP BY c.external_id
            """
        ).rows.reduce(into: [String: Int64]()) { $0[try $1.decode("external_id")] = try $1.decode("id") }
    }
}
