// Events against the real server: thresholds, exactly once, out-of-order dates, unknown contacts.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct EventApplicationTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func withContact(_ body: (PGConnection, SchemaName, EventStore, EventApplier) async throws -> Void) async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await connection.run { [start] in try DatabaseClock(schema: schema).set(start, on: $0) }
            let store = EventStore(schema: schema)
            _ = try await connection.run { [start] in
                try store.upsertContact(
                    externalID: "c-1", email: "c1@example.com", segment: "retail", now: start, on: $0)
            }
            try await body(connection, schema, store, EventApplier(schema: schema))
        }
    }

    func applyNew(_ event: IncomingEvent, _ connection: PGConnection, _ store: EventStore, _ applier: EventApplier)
        async throws -> AppliedEvent?
    {
        try await connection.withTransaction { connection in
            let now = try store.now(on: connection)
            guard case .stored(let id) = try store.record(event, now: now, on: connection) else { return nil }
            return try applier.apply(eventID: id, policies: PolicyDocument(), now: now, on: connection)
        }
    }

    @Test func openClickVisitMakesEngagedOnTheThird() async throws {
        try await withContact { connection, schema, store, applier in
            let open = try await applyNew(
                IncomingEvent(externalID: "c-1", kind: "open", providerEventID: "e1"), connection, store, applier)
            let click = try await applyNew(
                IncomingEvent(externalID: "c-1", kind: "click", providerEventID: "e2"), connection, store, applier)
            #expect(open?.to == .active && click?.to == .active && click?.score == 15)
            let visit = try await applyNew(
                IncomingEvent(externalID: "c-1", kind: "high_intent_visit", providerEventID: "e3"), connection, store,
                applier)
            #expect(visit?.to == .engaged && visit?.reason == .scoreThreshold && visit?.score == 30)
            let trail = try await connection.query(
                "SELECT from_status::text AS f, to_status::text AS t, reason FROM \(schema.quoted).transitions")
            #expect(trail.count == 1)
            #expect(try trail.first?.decode("reason", as: String.self) == "score_threshold")
        }
    }

    @Test func duplicateProviderEventCountsOnce() async throws {
        try await withContact { connection, schema, store, applier in
            _ = try await applyNew(
                IncomingEvent(externalID: "c-1", kind: "click", providerEventID: "dup"), connection, store, applier)
            let second = try await applyNew(
                IncomingEvent(externalID: "c-1", kind: "click", providerEventID: "dup"), connection, store, applier)
            #expect(second == nil)
            let score: Double = try await connection.query("SELECT engagement_score FROM \(schema.quoted).contacts")
                .first!.decode("engagement_score")
            #expect(score == 10)
        }
    }

    @Test func outOfOrderEventDoesNotMoveTheDateBack() async throws {
        try await withContact { connection, schema, store, applier in
            _ = try await applyNew(
                IncomingEvent(externalID: "c-1", kind: "open", occurredAt: start, providerEventID: "new"), connection,
                store, applier)
            _ = try await applyNew(
                IncomingEvent(
                    externalID: "c-1", kind: "open", occurredAt: start.addingTimeInterval(-3600), providerEventID: "old"
                ),
                connection, store, applier)
            let row = try await connection.query(
                "SELECT engagement_score, last_engagement_at FROM \(schema.quoted).contacts"
            ).first!
            #expect(try row.decode("last_engagement_at", as: Date.self) == start)
            #expect(try row.decode("engagement_score", as: Double.self) == 10, "the older open still adds its points")
        }
    }

    @Test func unknownContactIsKeptAndReported() async throws {
        try await withContact { connection, schema, store, _ in
            let result = try await connection.run { [store] connection in
                try store.record(
                    IncomingEvent(externalID: "nobody", kind: "open"), now: try store.now(on: connection),
                    on: connection)
            }
            guard case .unknownContact = result else { Issue.record("expected unknownContact, got \(result)"); return }
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).engagement_events WHERE external_id = 'nobody'") == 1)
        }
    }

    @Test func engagementWhileInactiveReactivates() async throws {
        try await withContact { connection, schema, store, applier in
            try await connection.execute(
                "UPDATE \(schema.quoted).contacts SET campaign_status = 'inactive', reactivation_cycle = 1")
            let click = try await applyNew(
                IncomingEvent(externalID: "c-1", kind: "click", providerEventID: "r1"), connection, store, applier)
            #expect(
                click?.from == .inactive && click?.to == .reactivated && click?.reason == .engagedDuringReactivation)
            let cycle: Int = try await connection.query("SELECT reactivation_cycle FROM \(schema.quoted).contacts")
                .first!.decode("reactivation_cycle")
            #expect(cycle == 1)
        }
    }

    @Test func suppressedContactsDoNotBecomeEngaged() async throws {
        try await withContact { connection, schema, store, applier in
            try await connection.execute("UPDATE \(schema.quoted).contacts SET campaign_status = 'suppressed'")
            for index in 0..<3 {
                let result = try await applyNew(
                    IncomingEvent(externalID: "c-1", kind: "high_intent_visit", providerEventID: "s\(index)"),
                    connection, store, applier)
                #expect(result?.to == .suppressed)
            }
        }
    }

    /// Import applies in batches: several events of one contact fold in order within a batch,
    /// a provider id repeated inside the batch counts once, and a line the server refuses is
    /// retried alone and reported while its batch-mates are kept. (The server's refusal here is
    /// a CHECK the test adds: every value the importer knows to be unstorable it refuses itself.)
    @Test func batchedImportFoldsDedupesAndIsolatesARefusedLine() async throws {
        try await withContact { connection, schema, _, _ in
            try await connection.execute(
                """
                ALTER TABLE \(schema.quoted).engagement_events ADD CONSTRAINT no_teapots CHECK (url IS DISTINCT FROM 'https://x.example/teapot')
                """)
            let lines = [
                #"{"external_id": "c-1", "kind": "open", "provider_event_id": "p1"}"#,
                #"{"external_id": "c-1", "kind": "open", "provider_event_id": "p1"}"#,
                #"{"external_id": "c-1", "kind": "click", "provider_event_id": "p2"}"#,
                #"{"external_id": "c-1", "kind": "page_visit", "url": "https://x.example/teapot", "provider_event_id": "p3"}"#,
                #"{"external_id": "c-1", "kind": "high_intent_visit", "provider_event_id": "p4"}"#,
                #"{"external_id": "ghost", "kind": "open", "provider_event_id": "p5"}"#,
            ].joined(separator: "\n")
            let report = try await EventImporter(schema: schema).importEvents(
                lines, format: .ndjson, batchSize: 4, on: connection)
            #expect(report.read == 6 && report.applied == 3 && report.duplicates == 1)
            #expect(report.unknownContacts.map(\.line) == [6])
            #expect(report.rejected.map(\.line) == [4])
            #expect(report.rejected.first?.reason.contains("the database refused it") == true, "\(report.rejected)")
            let contact = try await connection.query(
                "SELECT campaign_status::text AS s, engagement_score FROM \(schema.quoted).contacts WHERE external_id = 'c-1'"
            ).first!
            #expect(
                try contact.decode("s", as: String.self) == "engaged"
                    && contact.decode("engagement_score", as: Double.self) == 30)
            #expect(try await MigratedSchema.count(connection, "SELECT 1 FROM \(schema.quoted).transitions") == 1)
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE kind = 'apply_events'") == 0,
                "imported events are applied inline")
        }
    }
    /// A business event the policy does not score (the default policy names no `purchase`) is
    /// still accepted by import: it earns nothing and moves no status, and it reaches the
    /// streams, whose validation accepts the same kinds. A kind nobody names is still refused.
    @Test func unscoredBusinessEventsAreImportedAndReachTheStreams() async throws {
        try await withContact { connection, schema, _, _ in
            _ = try await connection.run { connection in
                try StreamStore(schema: schema).apply(
                    Data("{name: post_purchase, entry: {event: purchase}, steps: [{send: thanks}]}".utf8),
                    on: connection)
            }
            let lines = [
                #"{"external_id": "c-1", "kind": "purchase", "provider_event_id": "b1"}"#,
                #"{"external_id": "c-1", "kind": "teleport", "provider_event_id": "b2"}"#,
            ].joined(separator: "\n")
            let report = try await EventImporter(schema: schema).importEvents(lines, format: .ndjson, on: connection)
            #expect(report.applied == 1 && report.rejected.map(\.line) == [2], "\(report.rejected)")
            #expect(report.rejected.first?.reason.contains("purchase") == true, "the refusal lists the accepted kinds")
            let contact = try await connection.query(
                """
                SELECT c.campaign_status::text AS s, c.engagement_score, c.last_engagement_at IS NULL AS quiet, m.stream
                FROM \(schema.quoted).contacts c LEFT JOIN \(schema.quoted).stream_memberships m ON m.contact_id = c.id
                """
            ).first!
            #expect(
                try contact.decode("s", as: String.self) == "active"
                    && contact.decode("engagement_score", as: Double.self) == 0)
            #expect(try contact.decode("quiet", as: Bool.self), "an unscored purchase is not email engagement")
            #expect(try contact.decode("stream", as: String?.self) == "post_purchase")
        }
    }
}
