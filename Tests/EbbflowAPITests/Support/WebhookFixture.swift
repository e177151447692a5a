// What the provider webhook tests share: contacts and a send in the server's schema, rows read back, the metric's value.
import EbbflowTestSupport
import Foundation
import PostgresClient

enum WebhookFixture {
    /// Contacts c-1 (Ann@Example.com) and c-2 (b@example.org) and one send to c-2, whose id is returned.
    static func seed(_ server: ServeProcess) async throws -> Int64 {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        let schema = server.schema
        _ = try await connection.query(
            """
            INSERT INTO \(schema).contacts (external_id, email, status_changed_at, created_at)
            VALUES ('c-1', 'Ann@Example.com', now(), now()), ('c-2', 'b@example.org', now(), now())
            """)
        return try await connection.query(
            """
            INSERT INTO \(schema).sends (contact_id, flow, step, template, channel, at)
            SELECT id, 'welcome', 1, 'hello', 'email', now() FROM \(schema).contacts WHERE external_id = 'c-2' RETURNING id
            """
        ).first!.decode("id", as: Int64.self)
    }

    struct Stored: Equatable, CustomStringConvertible {
        var id: String
        var externalID: String
        var kind: String
        var type: String?
        var machineOpen: Bool
        var description: String { "\(id) \(externalID) \(kind) \(type ?? "-")\(machineOpen ? " machine" : "")" }
    }

    /// The provider's stored events, in id order.
    static func stored(_ server: ServeProcess, provider: String) async throws -> [Stored] {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        return try await connection.query(
            """
            SELECT provider_event_id, external_id, kind, properties->>'type' AS type, machine_open
            FROM \(server.schema).engagement_events WHERE source = $1 ORDER BY id
            """, [provider]
        ).rows.map {
            Stored(
                id: try $0.decode("provider_event_id"), externalID: try $0.decode("external_id"),
                kind: try $0.decode("kind"), type: try $0.decode("type"), machineOpen: try $0.decode("machine_open"))
        }
    }

    /// Provider event ids kept as unmatched.
    static func unmatched(_ server: ServeProcess, provider: String) async throws -> [String] {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        return try await connection.query(
            "SELECT provider_event_id FROM \(server.schema).unmatched_provider_events WHERE provider = $1 ORDER BY id",
            [provider]
        ).rows.map { try $0.decode("provider_event_id") }
    }

    /// A property of a stored event.
    static func property(_ server: ServeProcess, id: String, _ key: String) async throws -> String? {
        let connection = try await TestDatabase.connect()
        defer { Task { await connection.close() } }
        return try await connection.query(
            "SELECT properties->>$2 AS v FROM \(server.schema).engagement_events WHERE provider_event_id = $1",
            [id, key]
        ).first?.decode("v")
    }

    /// The value of `ebbflow_webhook_events_total` for a provider and outcome on /metrics (0 when absent).
    static func metric(_ client: APIClient, provider: String, outcome: String) async throws -> Int {
        let text = try await client.send("GET", "/metrics").text
        for line in text.split(separator: "\n") where line.hasPrefix("ebbflow_webhook_events_total{") {
            if line.contains("provider=\"\(provider)\""), line.contains("outcome=\"\(outcome)\""),
                let value = line.split(separator: " ").last
            {
                return Int(Double(value) ?? -1)
            }
        }
        return 0
    }

    static func json(_ object: Any) -> Data {
        try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}
