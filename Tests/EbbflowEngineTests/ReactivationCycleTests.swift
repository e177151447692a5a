// The reactivation cycle on the database clock: not a day early, every step audited, engagement ends it.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

@Suite struct ReactivationCycleTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A simulation schema with one contact made inactive by the sweep on day 90.
    func withInactiveContact(
        clickedFirst: Bool = false,
        _ body: (PGConnection, SchemaName, @escaping @Sendable (Double) async throws -> Void) async throws -> Void
    ) async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = EventStore(schema: schema)
            try await connection.run { [start] connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                try store.upsertContact(
                    externalID: "quiet", email: "q@example.com", segment: "retail", now: start, on: connection)
                try ScheduleStore(schema: schema).setEnabled("inactivity_sweep", false, on: connection)
                if clickedFirst,
                    case .stored(let id) = try store.record(
                        IncomingEvent(
                            externalID: "quiet", kind: "click", occurredAt: start,
                            providerEventID: "c1", url: "https://shop.example/boots"),
                        now: start, on: connection)
                {
                    _ = try EventApplier(schema: schema).apply(
                        eventID: id, policies: PolicyDocument(), now: start, on: connection)
                }
            }
            var registry = JobRegistry.builtins()
            registry.registerEngine(schema: schema)
            let configuration = try TestDatabase.configuration
            let day: @Sendable (Double) async throws -> Void = { [start, registry] day in
                let clock = DatabaseClock(schema: schema)
                let target = start.addingTimeInterval(day * 86_400)
                let connection = try await TestDatabase.connect()
                try await connection.run { try clock.set(target, on: $0) }
                let worker = QueueWorker(
                    database: configuration, schema: schema, registry: registry,
                    configuration: WorkerConfiguration(listen: false, drain: true), logger: QuietLogger.logger)
                try await worker.run()
            }
            try await connection.run { [start] in
                _ = try InactivitySweep(schema: schema).runAll(
                    now: start.addingTimeInterval(90 * 86_400), policies: PolicyDocument(), on: $0)
            }
            try await body(connection, schema, day)
        }
    }

    func sends(_ connection: PGConnection, _ schema: SchemaName) async throws -> [String] {
        try await connection.query("SELECT template FROM \(schema.quoted).sends ORDER BY at, id").rows.map {
            try $0.decode("template")
        }
    }

    @Test func silentContactGetsBothEmailsThenMovesToAds() async throws {
        try await withInactiveContact { connection, schema, day in
            try await day(119)
            #expect(try await sends(connection, schema).isEmpty, "cooldown is 30 days: nothing on day 119")
            try await day(120)
            #expect(try await sends(connection, schema) == ["reactivation_value"])
            try await day(126)
            #expect(try await sends(connection, schema) == ["reactivation_value"], "email 2 not a day early")
            try await day(127)
            #expect(try await sends(connection, schema) == ["reactivation_value", "reactivation_offer"])
            try await day(133)
            let before: String = try await connection.query("SELECT channel FROM \(schema.quoted).contacts").first!
                .decode("channel")
            #expect(before == "email")
            try await day(134)
            let row = try await connection.query(
                "SELECT channel, reactivation_cycle, campaign_status::text AS s FROM \(schema.quoted).contacts"
            ).first!
            #expect(try row.decode("channel", as: String.self) == "ads")
            #expect(try row.decode("reactivation_cycle", as: Int.self) == 1)
            #expect(try row.decode("s", as: String.self) == "inactive")
            // The whole story, each step with its cause: a job for every change after the sweep's.
            let trail = try await connection.query(
                "SELECT from_status::text AS f, to_status::text AS t, reason, job_id IS NOT NULL AS by_job FROM \(schema.quoted).transitions ORDER BY id"
            ).rows.map {
                """
                \(try $0.decode("f", as: String.self))→\(try $0.decode("t", as: String.self)) \(try $0.decode("reason", as: String.self)) \
                job:\(try $0.decode("by_job", as: Bool.self))
                """
            }
            #expect(
                trail == ["active→inactive silence job:false", "inactive→inactive moved_to_channel job:true"],
                "\(trail)")
        }
    }

    @Test func suppressPolicyEndsInSuppressedWithAudit() async throws {
        try await withInactiveContact { connection, schema, day in
            _ = try await connection.run {
                try PolicyStore(schema: schema).save(
                    Data(#"{"default": {"after_reactivation": "suppress"}}"#.utf8), on: $0)
            }
            // Waits run from when each email actually went out, so walk the days as a worker would.
            for step in [120.0, 127, 134] { try await day(step) }
            let trail = try await connection.query(
                "SELECT from_status::text AS f, to_status::text AS t, reason FROM \(schema.quoted).transitions ORDER BY id"
            )
            .rows.map {
                "\(try $0.decode("f", as: String.self))→\(try $0.decode("t", as: String.self)) \(try $0.decode("reason", as: String.self))"
            }
            #expect(trail == ["active→inactive silence", "inactive→suppressed reactivation_exhausted"])
            #expect(try await sends(connection, schema) == ["reactivation_value", "reactivation_offer"])
        }
    }

    @Test func clickAfterEmailOneReactivatesAndEmailTwoNeverGoes() async throws {
        try await withInactiveContact { connection, schema, day in
            try await day(121)
            #expect(try await sends(connection, schema) == ["reactivation_value"])
            let (store, applier) = (EventStore(schema: schema), EventApplier(schema: schema))
            try await connection.withTransaction { connection in
                let now = try store.now(on: connection)
                guard
                    case .stored(let id) = try store.record(
                        IncomingEvent(externalID: "quiet", kind: "click", providerEventID: "k1"), now: now,
                        on: connection)
                else { return }
                _ = try applier.apply(eventID: id, policies: PolicyDocument(), now: now, on: connection)
            }
            try await day(140)
            #expect(try await sends(connection, schema) == ["reactivation_value"], "email 2 is never sent")
            let row = try await connection.query(
                "SELECT campaign_status::text AS s, reactivation_cycle, channel FROM \(schema.quoted).contacts"
            ).first!
            #expect(try row.decode("s", as: String.self) == "reactivated")
            #expect(try row.decode("reactivation_cycle", as: Int.self) == 1)
            #expect(try row.decode("channel", as: String.self) == "email")
        }
    }
}

@Suite struct ReactivationLauncherTests {
    @Test func dryRunCountsAndStartEnqueuesOncePerContact() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let store = EventStore(schema: schema)
            try await connection.run { connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                for index in 0..<4 {
                    try store.upsertContact(
                        externalID: "old-\(index)", email: nil, segment: "retail", now: start, on: connection)
                }
            }
            try await connection.execute(
                "UPDATE \(schema.quoted).contacts SET campaign_status = 'inactive', status_changed_at = $1 WHERE external_id <> 'old-3'",
                [start.addingTimeInterval(-70 * 86_400)])
            let launcher = ReactivationLauncher(schema: schema)
            let dry = try await connection.withTransaction {
                try launcher.start(segment: "retail", inactiveFor: 60 * 86_400, dryRun: true, on: $0)
            }
            #expect(dry.contacts == 3 && dry.sample == ["old-0", "old-1", "old-2"])
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE kind = 'reactivation_step'") == 0,
                "dry run changes nothing")
            let real = try await connection.withTransaction {
                try launcher.start(segment: "retail", inactiveFor: 60 * 86_400, dryRun: false, on: $0)
            }
            #expect(real.contacts == 3)
            let again = try await connection.withTransaction {
                try launcher.start(segment: "retail", inactiveFor: 60 * 86_400, dryRun: false, on: $0)
            }
            #expect(again.contacts == 0, "contacts already in a cycle are not started twice")
            #expect(
                try await MigratedSchema.count(
                    connection, "SELECT 1 FROM \(schema.quoted).jobs WHERE kind = 'reactivation_step'") == 3)
        }
    }
}

extension ReactivationCycleTests {
    /// Reactivation emails carry the last known activity for their copy, and with
    /// `reactivation_formats: [html, plain]` the second one is plain text.
    @Test func reactivationEmailsCarryLastActivityAndAlternateFormats() async throws {
        try await withInactiveContact(clickedFirst: true) { connection, schema, day in
            _ = try await connection.run {
                try PolicyStore(schema: schema).save(
                    Data("default:\n  reactivation_formats: [html, plain]\n".utf8), on: $0)
            }
            for step in [120.0, 127] { try await day(step) }
            let rows = try await connection.query(
                """
                SELECT template, format, variables->>'last_engagement_kind' AS kind, variables->>'last_engagement_url' AS url,
                       (variables->>'last_engagement_at')::timestamptz AS at
                FROM \(schema.quoted).sends ORDER BY at, id
                """
            ).rows
            #expect(
                try rows.map { try $0.decode("template", as: String.self) } == [
                    "reactivation_value", "reactivation_offer",
                ])
            #expect(try rows.map { try $0.decode("format", as: String.self) } == ["html", "plain"])
            for row in rows {
                #expect(
                    try row.decode("kind", as: String.self) == "click"
                        && (try row.decode("url", as: String.self)) == "https://shop.example/boots")
                #expect(try row.decode("at", as: Date.self) == start)
            }
        }
    }

    /// A scanner's click and a `delivered` after the person's click are not the last activity
    /// a reactivation email names: the person's click is.
    @Test func robotsAndConsentEventsAreNotLastActivity() async throws {
        try await withInactiveContact(clickedFirst: true) { connection, schema, day in
            try await connection.withTransaction { [start] connection in
                let at = start.addingTimeInterval(100 * 86_400)
                try DatabaseClock(schema: schema).set(at, on: connection)
                var scanner = IncomingEvent(
                    externalID: "quiet", kind: "click", occurredAt: at, providerEventID: "scan-1",
                    url: "https://scanner.example/checked")
                scanner.bot = true
                let delivered = IncomingEvent(
                    externalID: "quiet", kind: "delivered", occurredAt: at, providerEventID: "d-1")
                let ids = try EventStore(schema: schema).record([scanner, delivered], now: at, on: connection).map(\.id)
                _ = try EventApplier(schema: schema).apply(
                    eventIDs: ids, policies: PolicyDocument(), now: at, on: connection)
            }
            try await day(120)
            let row = try await connection.query(
                """
                SELECT variables->>'last_engagement_kind' AS kind, variables->>'last_engagement_url' AS url
                FROM \(schema.quoted).sends
                """
            ).first!
            #expect(try row.decode("kind", as: String.self) == "click")
            #expect(try row.decode("url", as: String.self) == "https://shop.example/boots")
        }
    }

    @Test func badReactivationFormatsAreRefused() {
        #expect { try PolicyDocument.parse(Data("default:\n  reactivation_formats: [html]\n".utf8)) } throws: {
            "\($0)".contains("policy field default.reactivation_formats")
        }
        #expect { try PolicyDocument.parse(Data("default:\n  reactivation_formats: [html, pdf]\n".utf8)) } throws: {
            "\($0)".contains("reactivation_formats")
        }
    }
}
