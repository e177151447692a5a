// Events another system inserts into the table are applied by the worker, once, even before their contact exists.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

/// A contact of segment retail, created at the database clock's now.
private func addContact(_ externalID: String, _ schema: SchemaName, _ connection: PGConnection) async throws {
    let store = EventStore(schema: schema)
    _ = try await connection.run { connection in
        try store.upsertContact(
            externalID: externalID, email: nil, segment: "retail", now: try store.now(on: connection), on: connection)
    }
}

/// Runs everything due with the engine's handlers, in process, then returns.
private func drainEngine(_ schema: SchemaName) async throws {
    var registry = JobRegistry.builtins()
    registry.registerEngine(schema: schema)
    try await QueueWorker(
        database: try TestDatabase.configuration, schema: schema, registry: registry,
        configuration: WorkerConfiguration(listen: false, drain: true), logger: QuietLogger.logger
    ).run()
}

@Suite struct PendingEventsTests {
    @Test func directlyInsertedEventsAreAppliedOnce() async throws {
        try await MigratedSchema.with { connection, schema in
            try await addContact("known", schema, connection)
            try await connection.simpleQuery(
                """
                INSERT INTO \(schema.quoted).engagement_events (external_id, kind, occurred_at, provider_event_id) VALUES
                    ('known', 'click', now(), 'x1'), ('known', 'high_intent_visit', now(), 'x2'), ('later', 'open', now(), 'x3')
                """)
            let run: @Sendable () async throws -> Void = {
                _ = try await TestDatabase.connect().run {
                    try JobStore(schema: schema).enqueue(NewJob(kind: ApplyPendingEventsJob.kind), on: $0)
                }
                try await drainEngine(schema)
            }
            try await run()
            let known = try await connection.query(
                "SELECT campaign_status::text AS s, engagement_score FROM \(schema.quoted).contacts WHERE external_id = 'known'"
            ).first!
            #expect(
                try known.decode("s", as: String.self) == "engaged"
                    && known.decode("engagement_score", as: Double.self) == 25)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).engagement_events WHERE applied_at IS NULL") == 1,
                "the event for a contact that does not exist yet waits")
            try await addContact("later", schema, connection)
            try await run()
            try await run() // nothing applied twice
            let later: Double = try await connection.query(
                "SELECT engagement_score FROM \(schema.quoted).contacts WHERE external_id = 'later'"
            ).first!.decode("engagement_score")
            #expect(later == 5)
            let knownAgain: Double = try await connection.query(
                "SELECT engagement_score FROM \(schema.quoted).contacts WHERE external_id = 'known'"
            ).first!.decode("engagement_score")
            #expect(knownAgain == 25)
        }
    }

    /// An insert by another system makes `apply_events` jobs in its own transaction (one per
    /// statement and 1,000 ids), so a worker applies the events without waiting for the poller.
    @Test func insertedEventsBecomeApplyJobsAtOnce() async throws {
        try await MigratedSchema.with { connection, schema in
            try await addContact("known", schema, connection)
            try await connection.simpleQuery(
                """
                INSERT INTO \(schema.quoted).engagement_events (external_id, contact_id, kind, occurred_at, provider_event_id)
                SELECT 'known', (SELECT id FROM \(schema.quoted).contacts WHERE external_id = 'known'), k, now(), k
                FROM unnest(ARRAY['open', 'click', 'high_intent_visit']) AS k
                """)
            try await connection.simpleQuery(
                """
                INSERT INTO \(schema.quoted).engagement_events (external_id, kind, occurred_at) VALUES ('nobody', 'open', now())
                """)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE kind = 'apply_events'") == 1,
                "one job for the three-row statement, none for the unknown contact")
            // Imported events are applied inline: no job for them.
            let report = try await EventImporter(schema: schema).importEvents(
                #"{"external_id": "known", "kind": "open"}"#, format: .ndjson, on: connection)
            #expect(report.applied == 1)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE kind = 'apply_events'") == 1)
            try await drainEngine(schema)
            let known = try await connection.query(
                "SELECT campaign_status::text AS s, engagement_score FROM \(schema.quoted).contacts WHERE external_id = 'known'"
            ).first!
            #expect(
                try known.decode("s", as: String.self) == "engaged"
                    && known.decode("engagement_score", as: Double.self) == 35)
            #expect(try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).transitions") == 1)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).engagement_events WHERE applied_at IS NULL") == 1,
                "only the unknown contact's event waits")
        }
    }
}
