// Send flows on the database clock: engaged contacts leave at once, silent ones go inactive, the cap holds.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

@Suite struct SendFlowTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func withContacts(
        _ names: [String],
        _ body: (PGConnection, SchemaName, @escaping @Sendable (Double) async throws -> Void) async throws -> Void
    ) async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = EventStore(schema: schema)
            try await connection.run { [start] connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                for name in names {
                    try store.upsertContact(
                        externalID: name, email: "\(name)@example.com", segment: "retail", now: start, on: connection)
                }
                try ScheduleStore(schema: schema).setEnabled("inactivity_sweep", false, on: connection)
            }
            var registry = JobRegistry.builtins()
            registry.registerEngine(schema: schema)
            let configuration = try TestDatabase.configuration
            let day: @Sendable (Double) async throws -> Void = { [start, registry] day in
                let connection = try await TestDatabase.connect()
                try await connection.run {
                    try DatabaseClock(schema: schema).set(start.addingTimeInterval(day * 86_400), on: $0)
                }
                try await QueueWorker(
                    database: configuration, schema: schema, registry: registry,
                    configuration: WorkerConfiguration(listen: false, drain: true), logger: QuietLogger.logger
                ).run()
            }
            try await body(connection, schema, day)
        }
    }

    func sends(_ connection: PGConnection, _ schema: SchemaName, _ contact: String) async throws -> Int {
        try await MigratedSchema.count(
            connection,
            "SELECT 1 FROM \(schema.quoted).sends s JOIN \(schema.quoted).contacts c ON c.id = s.contact_id WHERE c.external_id = $1",
            [contact])
    }

    func engage(_ connection: PGConnection, _ schema: SchemaName, _ contact: String, _ kinds: [String]) async throws {
        let (store, applier) = (EventStore(schema: schema), EventApplier(schema: schema))
        for (index, kind) in kinds.enumerated() {
            try await connection.withTransaction { connection in
                let now = try store.now(on: connection)
                guard
                    case .stored(let id) = try store.record(
                        IncomingEvent(externalID: contact, kind: kind, providerEventID: "\(contact)-\(index)"),
                        now: now, on: connection)
                else { return }
                _ = try applier.apply(eventID: id, policies: PolicyDocument(), now: now, on: connection)
            }
        }
    }

    @Test func engagedLeavesAtOnceAndSilentGoesInactiveAfterThreeSends() async throws {
        try await withContacts(["eager", "silent"]) { connection, schema, day in
            let enrolled = try await connection.withTransaction {
                try FlowStore(schema: schema).start(
                    FlowDefinition(name: "welcome", segment: "retail", template: "welcome_1"), on: $0)
            }
            #expect(enrolled == 2)
            try await day(0)
            let (eagerFirst, silentFirst) = (
                try await sends(connection, schema, "eager"), try await sends(connection, schema, "silent")
            )
            #expect(eagerFirst == 1 && silentFirst == 1)
            try await engage(connection, schema, "eager", ["open", "click", "high_intent_visit"])
            let cancelled = try await MigratedSchema.count(
                connection,
                "SELECT 1 FROM \(schema.quoted).finished_jobs WHERE state = 'cancelled' AND kind = 'flow_step'")
            #expect(cancelled == 1, "the engaged contact's pending step was cancelled in the event's transaction")
            let why: String = try await connection.query(
                "SELECT errors->-1->>'message' AS m FROM \(schema.quoted).finished_jobs WHERE state = 'cancelled' AND kind = 'flow_step'"
            ).first!.decode("m")
            #expect(why == "contact engaged: it left the send flow", "the skipped send says why")
            for step in [3.0, 6, 8] { try await day(step) }
            #expect(try await sends(connection, schema, "eager") == 1, "no send after engaging")
            #expect(try await sends(connection, schema, "silent") == 3)
            let statusOnDay8: String = try await connection.query(
                "SELECT campaign_status::text AS s FROM \(schema.quoted).contacts WHERE external_id = 'silent'"
            ).first!.decode("s")
            #expect(statusOnDay8 == "active", "the wait after the third send has not ended")
            try await day(9)
            let row = try await connection.query(
                "SELECT campaign_status::text AS s FROM \(schema.quoted).contacts WHERE external_id = 'silent'"
            ).first!
            #expect(try row.decode("s", as: String.self) == "inactive")
            let reason: String = try await connection.query(
                """
                SELECT t.reason FROM \(schema.quoted).transitions t JOIN \(schema.quoted).contacts c ON c.id = t.contact_id
                WHERE c.external_id = 'silent' ORDER BY t.id DESC LIMIT 1
                """
            ).first!.decode("reason")
            #expect(reason == "no_engagement_after_sends")
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE kind = 'reactivation_step'") == 1,
                "its cycle is scheduled")
        }
    }

    @Test func frequencyCapHoldsAcrossFlows() async throws {
        try await withContacts(["busy"]) { connection, schema, day in
            for name in ["a", "b"] {
                _ = try await connection.withTransaction {
                    try FlowStore(schema: schema).start(
                        FlowDefinition(
                            name: name, segment: "retail", template: "t_\(name)", everySeconds: 86_400, maxSends: 3),
                        on: $0)
                }
            }
            for step in [0.0, 1, 2] { try await day(step) }
            #expect(try await sends(connection, schema, "busy") == 3, "two flows, six steps, a cap of 3 per 7 days")
            let skips = try await connection.query("SELECT reason FROM \(schema.quoted).flow_skips").rows.map {
                try $0.decode("reason", as: String.self)
            }
            #expect(skips.count == 2 && skips.allSatisfy { $0.hasPrefix("frequency cap") }, "\(skips)")
            // Deferred to the moment a slot frees (day 0's sends leave the window on day 7), not dropped.
            let deferred = try await connection.query(
                """
                SELECT run_at FROM \(schema.quoted).jobs WHERE kind = 'flow_step' ORDER BY run_at
                """
            ).rows.map { try $0.decode("run_at", as: Date.self) }
            #expect(deferred == [start.addingTimeInterval(7 * 86_400), start.addingTimeInterval(7 * 86_400)])
            try await day(7)
            #expect(try await sends(connection, schema, "busy") == 5, "two slots freed on day 7")
        }
    }

    @Test func frequencyCapCountsOnlySendsThatWentOutOrMayStillGo() async throws {
        try await withContacts(["busy"]) { connection, schema, day in
            _ = try await connection.withTransaction {
                try FlowStore(schema: schema).start(
                    FlowDefinition(name: "a", segment: "retail", template: "t_a", everySeconds: 86_400, maxSends: 5),
                    on: $0)
            }
            for step in [0.0, 1, 2] { try await day(step) }
            #expect(try await sends(connection, schema, "busy") == 3, "the cap of 3 per 7 days is full")
            // Two of the three never reached the contact: one cancelled before delivery, one refused for good.
            try await connection.execute(
                """
                UPDATE \(schema.quoted).sends SET state = CASE WHEN id = (SELECT min(id) FROM \(schema.quoted).sends)
                    THEN 'cancelled' ELSE 'dead' END, finished_at = at
                WHERE id IN (SELECT id FROM \(schema.quoted).sends ORDER BY id LIMIT 2)
                """)
            for step in [3.0, 4] { try await day(step) }
            #expect(
                try await sends(connection, schema, "busy") == 5,
                "only the third send (pending) counts, so the fourth and fifth fit under the cap of 3")
            let skips = try await connection.query("SELECT reason FROM \(schema.quoted).flow_skips").rows.map {
                try $0.decode("reason", as: String.self)
            }
            #expect(skips.isEmpty, "\(skips)")
        }
    }
}
