// A schema with contacts and helpers to apply consent events in batches and read what they did.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

/// One migrated schema at a fixed database clock, its contacts in segment `retail`.
struct ConsentHarness {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)
    let connection: PGConnection
    let schema: SchemaName

    static func with(
        contacts: [String], policy: String? = nil, streams: String? = nil,
        _ body: (ConsentHarness) async throws -> Void
    ) async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await connection.withTransaction { connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                if let policy { _ = try PolicyStore(schema: schema).save(Data(policy.utf8), on: connection) }
                if let streams { _ = try StreamStore(schema: schema).apply(Data(streams.utf8), on: connection) }
                for name in contacts {
                    try EventStore(schema: schema).upsertContact(
                        externalID: name, email: "\(name)@example.com", segment: "retail", now: start, on: connection)
                }
                for name in ["inactivity_sweep", "decay_scores", "audience_snapshot", "apply_pending_events"] {
                    try ScheduleStore(schema: schema).setEnabled(name, false, on: connection)
                }
            }
            try await body(ConsentHarness(connection: connection, schema: schema))
        }
    }

    /// Sets the database clock to `day` days after `start`.
    func at(day: Double) async throws {
        try await connection.run { [schema] in
            try DatabaseClock(schema: schema).set(Self.start.addingTimeInterval(day * 86_400), on: $0)
        }
    }

    /// Records and settles `events` (contact, kind, properties JSON) in one transaction, as one batch.
    @discardableResult
    func batch(_ events: [(String, String, String)]) async throws -> (
        applied: [AppliedEvent], rejected: [RejectedEvent]
    ) {
        try await connection.withTransaction { [schema] connection in
            let store = EventStore(schema: schema)
            let now = try store.now(on: connection)
            let stored = try store.record(
                events.enumerated().map { index, event in
                    IncomingEvent(
                        externalID: event.0, kind: event.1, providerEventID: "\(UUID())-\(index)",
                        properties: PGJSON(event.2))
                }, now: now, on: connection)
            return try EventApplier(schema: schema).settle(
                eventIDs: stored.map(\.id), policies: try PolicyStore(schema: schema).load(on: connection), now: now,
                on: connection)
        }
    }

    /// One event in its own batch.
    @discardableResult
    func event(_ contact: String, _ kind: String, _ properties: String = "{}") async throws -> (
        applied: [AppliedEvent], rejected: [RejectedEvent]
    ) {
        try await batch([(contact, kind, properties)])
    }

    /// The contact's status and suppression reason.
    func state(_ contact: String) async throws -> (status: String, reason: String?) {
        let row = try await connection.query(
            "SELECT campaign_status::text AS s, suppression_reason FROM \(schema.quoted).contacts WHERE external_id = $1",
            [contact]
        ).first!
        return (try row.decode("s"), try row.decode("suppression_reason"))
    }

    /// The contact's transitions, oldest first, as "from>to:reason[:detail]".
    func transitions(_ contact: String) async throws -> [String] {
        try await connection.query(
            """
            SELECT t.from_status::text AS f, t.to_status::text AS t, t.reason, t.detail FROM \(schema.quoted).transitions t
            JOIN \(schema.quoted).contacts c ON c.id = t.contact_id WHERE c.external_id = $1 ORDER BY t.id
            """, [contact]
        ).rows.map {
            let detail: String? = try $0.decode("detail")
            return "\(try $0.decode("f", as: String.self))>\(try $0.decode("t", as: String.self)):"
                + "\(try $0.decode("reason", as: String.self))\(detail.map { ":\($0)" } ?? "")"
        }
    }

    /// Rows of `sql` (a count), for assertions.
    func count(_ sql: String, _ bindings: PGBindings = []) async throws -> Int {
        try await MigratedSchema.count(connection, sql, bindings)
    }

    /// The contact's sends.
    func sends(_ contact: String) async throws -> Int {
        try await count(
            """
            SELECT 1 FROM \(schema.quoted).sends s JOIN \(schema.quoted).contacts c ON c.id = s.contact_id WHERE c.external_id = $1
            """, [contact])
    }

    /// Suppresses by plain SQL, bypassing every cancellation: what is left to stop a send is
    /// the send's own re-check under the contact's lock.
    func suppressBehindTheEnginesBack(_ contact: String) async throws {
        try await connection.query(
            """
            UPDATE \(schema.quoted).contacts SET campaign_status = 'suppressed', suppression_reason = 'manual_suppression'
            WHERE external_id = $1
            """, [contact])
    }

    /// Runs every due job with the engine's handlers, then returns.
    func drain() async throws {
        var registry = JobRegistry.builtins()
        registry.registerEngine(schema: schema)
        try await QueueWorker(
            database: try TestDatabase.configuration, schema: schema, registry: registry,
            configuration: WorkerConfiguration(queues: ["default", "sweeps"], listen: false, drain: true),
            logger: QuietLogger.logger
        ).run()
    }

    /// The contact's id.
    func id(_ contact: String) async throws -> Int64 {
        try await connection.query("SELECT id FROM \(schema.quoted).contacts WHERE external_id = $1", [contact]).first!
            .decode("id")
    }
}
