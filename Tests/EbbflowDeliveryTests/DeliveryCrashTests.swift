// Crash safety measured: 10,000 sends delivered by two worker processes while one is killed with SIGKILL five times.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite(.serialized) struct DeliveryCrashTests {
    static let total = 10_000

    /// The issue's numbers. Every send must arrive at least once; a send that arrives twice must
    /// carry its one Message-ID both times and must have been in a `deliver` job the killed
    /// worker was running at a kill (read from the queue right after each kill, before the
    /// job's lease lapses and it is rescued); every send ends `sent`.
    @Test func killedWorkersLoseNothingAndDuplicateOnlyWhatWasInFlight() async throws {
        try await DeliveryHarness.with { harness in
            try await harness.execute(
                """
                INSERT INTO \(harness.table("contacts"))
                    (external_id, email, segment, campaign_status, status_changed_at, created_at)
                SELECT 'c' || n, 'c' || n || '@example.org', 'b2c', 'active', now(), now()
                FROM generate_series(1, \(Self.total)) AS n
                """)
            try await harness.applyTemplate(
                """
                name: crash
                subject: "For {{external_id}}"
                text: "Hello {{external_id}}"
                """)
            try await harness.ebbflow(["flows", "start", "crash", "--segment", "b2c", "--template", "crash"])
            try await harness.ebbflow(["worker", "--drain", "--concurrency", "4", "--log-level", "warning"])
            #expect(try await harness.count("SELECT 1 FROM \(harness.table("sends"))") == Self.total)
            try await SMTPTestServer.with { server in
                let environment = [
                    "EBBFLOW_SMTP_URL": "smtp://127.0.0.1:\(server.port)?tls=none", "EBBFLOW_FROM": "news@example.com",
                ]
                func sent() async throws -> Int {
                    try await harness.count("SELECT 1 FROM \(harness.table("sends")) WHERE state = 'sent'")
                }
                let steady = try harness.startWorker(environment, extra: ["--id", "steady"])
                var victim = try harness.startWorker(environment, extra: ["--id", "victim-0"])
                var inFlight = Set<Int64>()
                for kill in 1...5 {
                    // Kill while delivery is under way: after another sixth of the sends went out.
                    let target = kill * Self.total / 6
                    _ = try await harness.wait(.seconds(120)) { try await sent() >= target }
                    await victim.stop(SIGKILL)
                    for row in try await harness.query(
                        "SELECT (args->>'send')::int8 AS send FROM \(harness.table("jobs")) WHERE locked_by = $1",
                        ["victim-\(kill - 1)"])
                    {
                        inFlight.insert(try row.decode("send"))
                    }
                    victim = try harness.startWorker(environment, extra: ["--id", "victim-\(kill)"])
                }
                let done = try await harness.wait(.seconds(240)) { try await sent() == Self.total }
                await victim.stop()
                await steady.stop()
                let states = try await harness.query(
                    "SELECT state, count(*)::int8 AS n FROM \(harness.table("sends")) GROUP BY state")
                let summary = try states.map { "\(try $0.decode("state") as String): \(try $0.decode("n") as Int64)" }
                #expect(done, "\(summary)")

                var copies: [Int64: Int] = [:]
                for mail in try server.messages() {
                    let text = String(decoding: mail.data.prefix(4_096), as: UTF8.self)
                    var sendHeader = Self.header("X-Ebbflow-Send-ID", in: text)
                    var messageID = Self.header("Message-ID", in: text)
                    if sendHeader == nil {
                        // A head this reader does not follow: Python's email package decides.
                        let parsed = try await MailParser.parse(mail.data)
                        (sendHeader, messageID) = (parsed.header("X-Ebbflow-Send-ID"), parsed.header("Message-ID"))
                    }
                    let sendID = try #require(sendHeader.flatMap { Int64($0) }, "\(mail.name): \(text.prefix(800))")
                    #expect(messageID == "<ebbflow-send-\(sendID)@example.com>")
                    copies[sendID, default: 0] += 1
                }
                let ids = try await harness.query("SELECT id FROM \(harness.table("sends"))").map {
                    try $0.decode("id") as Int64
                }
                let missing = ids.filter { copies[$0] == nil }
                #expect(missing.isEmpty, "\(missing.count) sends never arrived")
                let duplicated = Set(copies.filter { $0.value > 1 }.keys)
                #expect(duplicated.isSubset(of: inFlight), "duplicates outside the killed worker's jobs")
                print(
                    "crash test: \(copies.count) sends arrived, \(duplicated.count) twice; \(inFlight.count) in flight at the kills"
                )
            }
        }
    }

    /// The value of the first header `name` in a message's head (unfolded values only: ours are short).
    static func header(_ name: String, in text: String) -> String? {
        let prefix = name.lowercased() + ":"
        // By Unicode scalar: "\r\n" is one Character to Swift, so a split on "\n" would find none.
        for raw in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(String.UnicodeScalarView(raw.last == "\r" ? raw.dropLast() : raw[...]))
            if line.isEmpty { break }
            if line.lowercased().hasPrefix(prefix) {
                return line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}
