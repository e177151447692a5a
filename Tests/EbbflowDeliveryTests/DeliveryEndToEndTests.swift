// A campaign end to end through real processes: contacts, a template, a flow, `ebbflow worker` delivering to a real SMTP server on loopback.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite(.serialized) struct DeliveryEndToEndTests {
    static let template = """
        name: welcome
        subject: "Hello {{attributes.first_name}}"
        html: |
          <p>Hi {{attributes.first_name}}, you last looked at <a href="{{last_activity.url}}">this</a>.</p>
          <p><a href="https://shop.example.com/sale">Sale</a></p>
        text: "Hi {{attributes.first_name}}, you last looked at {{last_activity.url}}. Leave: {{unsubscribe_url}}"
        """

    /// Contacts in segment b2c (first names as attributes), a flow over them run by a worker
    /// without a transport (so each has a pending send), and the template.
    func prepare(_ harness: DeliveryHarness, _ names: [String: String]) async throws {
        let values = names.sorted { $0.key < $1.key }.map { id, email in
            "('\(id)', '\(email)', 'b2c', 'active', now(), now(), '{\"first_name\": \"\(id.capitalized)\"}')"
        }
        try await harness.execute(
            """
            INSERT INTO \(harness.table("contacts"))
                (external_id, email, segment, campaign_status, status_changed_at, created_at, attributes)
            VALUES \(values.joined(separator: ", "))
            """)
        try await harness.applyTemplate(Self.template)
        try await harness.ebbflow(["flows", "start", "welcome", "--segment", "b2c", "--template", "welcome"])
        try await harness.ebbflow(["worker", "--drain", "--log-level", "warning"])
        #expect(
            try await harness.count("SELECT 1 FROM \(harness.table("sends")) WHERE state = 'pending'") == names.count)
    }

    func events(_ harness: DeliveryHarness, _ lines: [String]) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("ev-\(UUID().uuidString).ndjson")
        try Data(lines.joined(separator: "\n").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try await harness.ebbflow(["events", "import", file.path])
    }

    /// Ada receives a personalised message with both parts, tracked links and the one-click
    /// headers; Bob (suppressed) and Cy (engaged) after their sends were decided get nothing;
    /// a 550 5.1.1 kills Dan's send and suppresses him; a 450 retries Eve's, delivered later;
    /// a relay that drops the connection mid-DATA leaves Fay's send to be retried.
    @Test func campaignReachesTheRelayAndRefusalsAreHandled() async throws {
        try await DeliveryHarness.with(simulation: true) { harness in
            try await prepare(
                harness,
                [
                    "ada": "ada@example.org", "bob": "bob@example.org", "cy": "cy@example.org",
                    "dan": "reject-dan@example.org", "eve": "tempfail-eve@example.org",
                    "fay": "drop-fay@example.org",
                ])
            try await events(
                harness,
                [
                    #"{"external_id": "ada", "kind": "click", "provider_event_id": "a1", "url": "https://shop.example.com/boots"}"#,
                    #"{"external_id": "cy", "kind": "open", "provider_event_id": "c1"}"#,
                    #"{"external_id": "cy", "kind": "click", "provider_event_id": "c2"}"#,
                    #"{"external_id": "cy", "kind": "high_intent_visit", "provider_event_id": "c3"}"#,
                ])
            try await harness.ebbflow(["contacts", "suppress", "bob", "--reason", "complaint"])
            try await SMTPTestServer.with { server in
                let environment = [
                    "EBBFLOW_SMTP_URL": "smtp://127.0.0.1:\(server.port)?tls=none",
                    "EBBFLOW_FROM": "News <news@example.com>", "EBBFLOW_PUBLIC_URL": "https://mail.example.test",
                    "EBBFLOW_UNSUBSCRIBE_MAILTO": "leave@example.com",
                ]
                let worker = try harness.startWorker(environment)
                func settled() async throws -> Bool {
                    try await harness.count(
                        "SELECT 1 FROM \(harness.table("sends")) WHERE state IN ('pending', 'leased')") == 0
                }
                let first = try await harness.wait(.seconds(120), until: settled)
                var states = try await harness.sendStates()
                #expect(first, "sends: \(states)\n\(worker.output)")
                // A connection the relay dropped may take the messages after Fay's in the same
                // session with it (transient, retried): Ada and Dan may wait for their retry.
                #expect(states["bob"] == "cancelled" && states["cy"] == "cancelled", "\(states)")
                #expect(states["eve"] == "failed" && states["fay"] == "failed", "\(states)")
                let firstErrors = try await harness.query(
                    """
                    SELECT c.external_id, e.error, e.permanent FROM \(harness.table("send_errors")) e
                    JOIN \(harness.table("sends")) s ON s.id = e.send_id JOIN \(harness.table("contacts")) c ON c.id = s.contact_id
                    WHERE c.external_id IN ('eve', 'fay') ORDER BY c.external_id
                    """)
                #expect(firstErrors.count == 2, "one error each, kept")
                #expect((try firstErrors.first?.decode("error") as String?)?.contains("450") == true)
                #expect(try firstErrors.allSatisfy { try !($0.decode("permanent") as Bool) })

                // Eve's mailbox works again; past the backoff her send goes out on its next attempt.
                try await harness.execute(
                    "UPDATE \(harness.table("contacts")) SET email = 'eve@example.org' WHERE external_id = 'eve'")
                try await harness.ebbflow(["clock", "advance", "2h"])
                let second = try await harness.wait(.seconds(120)) {
                    let states = try await harness.sendStates()
                    let done = try await settled()
                    return done && states["ada"] == "sent" && states["eve"] == "sent" && states["dan"] == "dead"
                }
                states = try await harness.sendStates()
                #expect(second, "sends: \(states)\n\(worker.output)")
                #expect(states["bob"] == "cancelled" && states["cy"] == "cancelled" && states["fay"] == "failed")

                let received = try server.messages()
                #expect(
                    received.map { $0.metadata.rcptTos }.sorted { $0[0] < $1[0] }
                        == [["ada@example.org"], ["eve@example.org"]],
                    "only Ada's and Eve's messages arrived, once each")
                let mail = try await MailParser.parse(
                    try #require(received.first { $0.metadata.rcptTos == ["ada@example.org"] }).data)
                let sendID: Int64 = try #require(
                    try await harness.query(
                        "SELECT s.id FROM \(harness.table("sends")) s JOIN \(harness.table("contacts")) c ON c.id = s.contact_id WHERE c.external_id = 'ada'"
                    ).first?.decode("id"))
                #expect(mail.defects.isEmpty, "\(mail.defects)")
                #expect(mail.header("Subject") == "Hello Ada" && mail.header("From") == "News <news@example.com>")
                #expect(mail.header("Message-ID") == "<ebbflow-send-\(sendID)@example.com>")
                #expect(mail.header("X-Ebbflow-Send-ID") == "\(sendID)")
                #expect(mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click")
                let unsubscribe = try #require(mail.header("List-Unsubscribe"))
                #expect(unsubscribe.hasPrefix("<https://mail.example.test/u/"), "\(unsubscribe)")
                #expect(unsubscribe.hasSuffix(", <mailto:leave@example.com?subject=unsubscribe-\(sendID)>"))
                #expect(mail.contentType == "multipart/alternative")
                let text = try #require(mail.parts.first { $0.contentType == "text/plain" }).body
                let html = try #require(mail.parts.first { $0.contentType == "text/html" }).body
                #expect(text.contains("Hi Ada, you last looked at https://shop.example.com/boots."), "\(text)")
                #expect(text.contains("Leave: https://mail.example.test/u/"), "\(text)")
                #expect(html.contains("Hi Ada") && html.contains("https://mail.example.test/t/c/"), "\(html)")
                #expect(!html.contains("href=\"https://shop.example.com/sale\""), "links are tracked: \(html)")
                let recorded: String? = try await harness.query(
                    "SELECT message_id FROM \(harness.table("sends")) WHERE id = $1", [sendID]
                ).first?.decode("message_id")
                #expect(recorded == "ebbflow-send-\(sendID)@example.com")

                // Dan: dead with the reply kept, suppressed by a hard bounce with its transition.
                let dan = try #require(
                    try await harness.query(
                        """
                        SELECT c.campaign_status::text AS status, s.last_error,
                               (SELECT count(*) FROM \(harness.table("transitions")) t
                                WHERE t.contact_id = c.id AND t.to_status = 'suppressed')::int8 AS audits,
                               (SELECT count(*) FROM \(harness.table("send_errors")) e
                                WHERE e.send_id = s.id AND e.permanent)::int8 AS permanent
                        FROM \(harness.table("contacts")) c JOIN \(harness.table("sends")) s ON s.contact_id = c.id
                        WHERE c.external_id = 'dan'
                        """
                    ).first)
                #expect(try dan.decode("status") as String == "suppressed")
                #expect(try dan.decode("audits") as Int64 == 1 && dan.decode("permanent") as Int64 == 1)
                #expect((try dan.decode("last_error") as String?)?.contains("550 5.1.1") == true)
                await worker.stop()
            }
        }
    }
}
