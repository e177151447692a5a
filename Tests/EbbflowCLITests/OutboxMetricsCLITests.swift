// A worker's /metrics shows the outbox by state and the age of its oldest due send, from the database.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct OutboxMetricsCLITests {
    @Test func workerShowsTheOutboxByStateAndAge() async throws {
        let schema = TestDatabase.uniqueSchemaName("om")
        let url = try TestDatabase.url
        let base = ["--schema", schema, "--database-url", url]
        #expect(try await EbbflowBinary.run(["migrate", "--simulation"] + base).exitCode == 0)
        #expect(try await EbbflowBinary.run(["clock", "set", "2027-01-01T12:00:00Z"] + base).exitCode == 0)
        let connection = try await TestDatabase.connect()
        // Three pending (the oldest due an hour ago, one not yet due), one leased, two dead, one sent.
        try await connection.simpleQuery(
            """
            INSERT INTO "\(schema)".contacts (external_id, segment, status_changed_at, created_at) VALUES ('a', 'r', now(), now());
            INSERT INTO "\(schema)".sends (contact_id, flow, step, template, channel, at, state, lease_expires_at)
            SELECT id, 'f', g, 't', 'email', timestamptz '2027-01-01T12:00:00Z' + v.offs, v.state, v.expires
            FROM "\(schema)".contacts, generate_series(1, 1) g,
                 (VALUES (interval '-1 hour', 'pending', NULL::timestamptz), (interval '-1 minute', 'pending', NULL),
                         (interval '1 day', 'pending', NULL), (interval '-5 minutes', 'leased', timestamptz '2027-01-01T12:01:00Z'),
                         (interval '-1 day', 'dead', NULL), (interval '-2 days', 'dead', NULL), (interval '-3 days', 'sent', NULL))
                 AS v(offs, state, expires);
            """)
        await connection.close()
        let port = HTTPProbe.randomPort()
        let (worker, _, _) = try EbbflowBinary.start(
            ["worker", "--metrics-port", "\(port)", "--metrics-host", "127.0.0.1", "--log-level", "error"] + base)
        var metrics = ""
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            metrics = (try? await HTTPProbe.get(port: port, path: "/metrics")) ?? ""
            if metrics.contains("ebbflow_outbox_oldest_due_seconds ") { break }
        }
        worker.terminate()
        await OffPool.waitForExit(worker)
        try await TestDatabase.dropSchema(schema)
        #expect(metrics.contains("ebbflow_outbox_sends{state=\"pending\"} 3"), "\(metrics.prefix(3000))")
        #expect(metrics.contains("ebbflow_outbox_sends{state=\"leased\"} 1"))
        #expect(metrics.contains("ebbflow_outbox_sends{state=\"dead\"} 2"))
        #expect(metrics.contains("ebbflow_outbox_sends{state=\"failed\"} 0"))
        #expect(metrics.contains("ebbflow_outbox_oldest_due_seconds 3600"), "due an hour ago by the database's clock")
        #expect(metrics.contains("# HELP ebbflow_outbox_sends Sends of the outbox by state"))
    }
}
