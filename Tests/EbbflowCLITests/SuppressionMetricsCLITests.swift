// A worker's /metrics counts suppressed contacts by reason from the database (ebbflow_suppressed_contacts).
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct SuppressionMetricsCLITests {
    @Test func workerShowsSuppressedContactsByReason() async throws {
        let schema = TestDatabase.uniqueSchemaName("sm")
        let url = try TestDatabase.url
        #expect(try await EbbflowBinary.run(["migrate", "--schema", schema, "--database-url", url]).exitCode == 0)
        let connection = try await TestDatabase.connect()
        try await connection.simpleQuery(
            """
            INSERT INTO "\(schema)".contacts (external_id, segment, campaign_status, suppression_reason, status_changed_at, created_at)
            VALUES ('a', 'r', 'suppressed', 'complaint', now(), now()), ('b', 'r', 'suppressed', 'complaint', now(), now()),
                   ('c', 'r', 'suppressed', 'unsubscribed', now(), now()), ('d', 'r', 'suppressed', NULL, now(), now()),
                   ('e', 'r', 'active', 'complaint', now(), now())
            """)
        await connection.close()
        let port = HTTPProbe.randomPort()
        let (worker, _, _) = try EbbflowBinary.start([
            "worker", "--schema", schema, "--database-url", url, "--metrics-port", "\(port)",
            "--metrics-host", "127.0.0.1", "--log-level", "error",
        ])
        var metrics = ""
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            metrics = (try? await HTTPProbe.get(port: port, path: "/metrics")) ?? ""
            if metrics.contains("ebbflow_suppressed_contacts{reason=\"unknown\"}") { break }
        }
        worker.terminate()
        await OffPool.waitForExit(worker)
        try await TestDatabase.dropSchema(schema)
        #expect(metrics.contains("ebbflow_suppressed_contacts{reason=\"complaint\"} 2"), "\(metrics.prefix(3000))")
        #expect(metrics.contains("ebbflow_suppressed_contacts{reason=\"unsubscribed\"} 1"))
        #expect(metrics.contains("ebbflow_suppressed_contacts{reason=\"unknown\"} 1"), "suppressed with no reason kept")
        #expect(metrics.contains("# HELP ebbflow_suppressed_contacts Suppressed contacts by suppression_reason"))
        #expect(metrics.contains("# TYPE ebbflow_suppressed_contacts gauge"))
    }
}
