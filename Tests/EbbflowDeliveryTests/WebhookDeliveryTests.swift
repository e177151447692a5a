// The webhook transport through a real `ebbflow worker`: signed JSON POSTs to a receiver on loopback that verifies them.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite(.serialized) struct WebhookDeliveryTests {
    static let secret = "test-webhook-secret-0123456789"

    /// scripts/webhook-receiver.py on a free loopback port, stopped afterwards.
    func withReceiver<T: Sendable>(_ body: (Int, URL) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dl-hook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let log = directory.appendingPathComponent("receiver.log").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/webhook-receiver.py").path
        var environment = ProcessInfo.processInfo.environment
        environment["EBBFLOW_DELIVERY_WEBHOOK_SECRET"] = Self.secret
        let pid = try CleanSpawn.start(
            "/usr/bin/python3", ["-u", script, "--dir", directory.appendingPathComponent("in").path],
            environment: environment, outputPath: log)
        defer {
            kill(-pid, SIGKILL)
            waitpid(pid, nil, 0)
            try? FileManager.default.removeItem(at: directory)
        }
        var port: Int?
        for _ in 0..<300 where port == nil {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                port = Int(line.dropFirst("listening on ".count))
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        return try await body(try #require(port, "the receiver did not listen"), directory.appendingPathComponent("in"))
    }

    /// What the receiver kept: each request's verdict and body.
    func received(_ directory: URL) throws -> [(verified: Bool, body: [String: Any])] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
            .map { name in
                let object =
                    try JSONSerialization.jsonObject(
                        with: Data(contentsOf: directory.appendingPathComponent(name))) as! [String: Any]
                return (object["verified"] as? Bool ?? false, object["body"] as? [String: Any] ?? [:])
            }
    }

    @Test func signedPostsAndTheirAnswers() async throws {
        try await DeliveryHarness.with { harness in
            try await harness.execute(
                """
                INSERT INTO \(harness.table("contacts"))
                    (external_id, email, segment, campaign_status, status_changed_at, created_at, attributes)
                VALUES ('ann', 'ann@example.org', 'b2c', 'active', now(), now(), '{"first_name": "Ann"}'),
                       ('ben', 'tempfail-ben@example.org', 'b2c', 'active', now(), now(), '{}'),
                       ('cat', 'reject-cat@example.org', 'b2c', 'active', now(), now(), '{}')
                """)
            try await harness.applyTemplate(DeliveryEndToEndTests.template)
            try await harness.ebbflow(["flows", "start", "welcome", "--segment", "b2c", "--template", "welcome"])
            try await harness.ebbflow(["worker", "--drain", "--log-level", "warning"])
            try await withReceiver { port, directory in
                let worker = try harness.startWorker([
                    "EBBFLOW_DELIVERY_WEBHOOK_URL": "http://127.0.0.1:\(port)/deliver",
                    "EBBFLOW_DELIVERY_WEBHOOK_SECRET": Self.secret, "EBBFLOW_FROM": "news@example.com",
                ])
                let settled = try await harness.wait(.seconds(120)) {
                    try await harness.count(
                        "SELECT 1 FROM \(harness.table("sends")) WHERE state IN ('pending', 'leased')") == 0
                }
                await worker.stop()
                let states = try await harness.sendStates()
                #expect(
                    settled && states == ["ann": "sent", "ben": "failed", "cat": "dead"], "\(states)\n\(worker.output)")
                let requests = try received(directory)
                #expect(requests.count == 3 && requests.allSatisfy(\.verified), "every request verifies")
                let ann = try #require(requests.first { $0.body["to"] as? String == "ann@example.org" }?.body)
                let sendID = try #require(ann["send_id"] as? Int)
                #expect(ann["subject"] as? String == "Hello Ann" && ann["from"] as? String == "news@example.com")
                #expect(ann["message_id"] as? String == "ebbflow-send-\(sendID)@example.com")
                #expect(ann["external_id"] as? String == "ann" && ann["template"] as? String == "welcome")
                #expect((ann["text"] as? String)?.contains("Hi Ann") == true && ann["html"] is String)
                let headers = try #require(ann["headers"] as? [[String: String]])
                #expect(headers.contains { $0["name"] == "X-Ebbflow-Send-ID" && $0["value"] == "\(sendID)" })
                let recorded: String? = try await harness.query(
                    "SELECT message_id FROM \(harness.table("sends")) WHERE id = $1", [Int64(sendID)]
                ).first?.decode("message_id")
                #expect(recorded == "hook-\(sendID)", "the receiver's message id is kept")
                let errors = try await harness.query(
                    "SELECT error, permanent FROM \(harness.table("send_errors")) ORDER BY permanent")
                #expect(errors.count == 2)
                #expect((try errors[0].decode("error") as String).hasPrefix("webhook answered 503"))
                #expect((try errors[1].decode("error") as String).hasPrefix("webhook answered 422"))
            }
        }
    }
}
