// The policy's `tracking` field (networks, window, scanners) and the applier scoring robots' events 0.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct TrackingPolicyTests {
    @Test func networksMatchIPv4IPv6AndMappedAddresses() throws {
        let apple = try #require(IPNetwork("17.0.0.0/8"))
        #expect(apple.contains(try #require(IPAddress("17.58.1.2"))))
        #expect(apple.contains(try #require(IPAddress("::ffff:17.58.1.2"))))
        #expect(!apple.contains(try #require(IPAddress("18.0.0.1"))))
        let six = try #require(IPNetwork("2620:149::/32"))
        #expect(six.contains(try #require(IPAddress("2620:149:a:b::1"))))
        #expect(!six.contains(try #require(IPAddress("2620:14a::1"))))
        #expect(!six.contains(try #require(IPAddress("17.0.0.1"))))
        #expect(try #require(IPNetwork("10.1.2.3")).contains(try #require(IPAddress("10.1.2.3"))))
        #expect(try #require(IPNetwork("0.0.0.0/0")).contains(try #require(IPAddress("203.0.113.9"))))
        for bad in ["17.0.0.0/33", "17.0.0/8", "2620:149::/129", "x", "17.0.0.0/", "17.0.0.0/-1", "1.2.3.4/08x", ""] {
            #expect(IPNetwork(bad) == nil, "\(bad)")
        }
    }

    @Test func theFieldHasDefaultsAndIsValidatedByName() throws {
        let defaults = try PolicyDocument.parse(Data("{}".utf8)).default.tracking
        #expect(defaults.machineOpenNetworks.contains("17.0.0.0/8"))
        #expect(defaults.botClickWindowSeconds == 10)
        #expect(defaults.scanner(in: "Mozilla/5.0 (compatible; Proofpoint URL Defense)") != nil)
        #expect(defaults.scanner(in: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15") == nil)
        let set = try PolicyDocument.parse(
            Data(
                #"{"default": {"tracking": {"bot_click_window": "1m", "scanner_user_agents": ["AcmeScan"]}}}"#.utf8))
        #expect(set.default.tracking.botClickWindowSeconds == 60)
        #expect(set.default.tracking.scanner(in: "acmescan/2.0") == "AcmeScan")
        // Left out, the networks keep their default.
        #expect(set.default.tracking.machineOpenNetworks == defaults.machineOpenNetworks)
        let refusals: [(String, String)] = [
            (
                #"{"default": {"tracking": {"machine_open_networks": ["17.0.0.0/99"]}}}"#,
                "default.tracking.machine_open_networks[0]"
            ),
            (#"{"default": {"tracking": {"bot_click_window": "2h"}}}"#, "default.tracking.bot_click_window"),
            (#"{"default": {"tracking": {"bot_click_window": "soon"}}}"#, "default.tracking.bot_click_window"),
            (#"{"default": {"tracking": {"scanner_user_agents": [""]}}}"#, "default.tracking.scanner_user_agents[0]"),
            (#"{"default": {"tracking": {"unknown": 1}}}"#, "default.tracking.unknown"),
        ]
        for (document, field) in refusals {
            do {
                _ = try PolicyDocument.parse(Data(document.utf8))
                Issue.record("accepted \(document)")
            } catch {
                #expect(error.field == field, "\(document): \(error)")
            }
        }
    }

    @Test func aBotsClickScoresZero() async throws {
        try await MigratedSchema.with { connection, schema in
            let store = EventStore(schema: schema)
            let applier = EventApplier(schema: schema)
            _ = try await connection.run {
                try store.upsertContact(externalID: "c-1", email: nil, segment: "default", now: Date(), on: $0)
            }
            let applied = try await connection.withTransaction { connection in
                let now = try store.now(on: connection)
                var bot = IncomingEvent(externalID: "c-1", kind: "click", providerEventID: "b1")
                bot.bot = true
                let person = IncomingEvent(externalID: "c-1", kind: "click", providerEventID: "p1")
                let ids = try store.record([bot, person], now: now, on: connection).map(\.id)
                return try applier.apply(eventIDs: ids, policies: PolicyDocument(), now: now, on: connection)
            }
            #expect(applied.map(\.points) == [0, 10])
            #expect(PolicyDocument().default.points(for: "click", machineOpen: false, bot: true) == 0)
            #expect(PolicyDocument().default.points(for: "open", machineOpen: true) == 0)
        }
    }

    /// A document that still sets `machine_open_points` (accepted so older documents load) cannot
    /// make machine opens score: five of them at the threshold's worth leave the contact active.
    @Test func machineOpensScoreZeroWhateverMachineOpenPointsSays() async throws {
        let document = try PolicyDocument.parse(Data(#"{"default": {"machine_open_points": 20}}"#.utf8))
        #expect(document.default.points(for: "open", machineOpen: true) == 0)
        try await MigratedSchema.with { connection, schema in
            let store = EventStore(schema: schema)
            let applier = EventApplier(schema: schema)
            _ = try await connection.run {
                try store.upsertContact(externalID: "c-1", email: nil, segment: "default", now: Date(), on: $0)
            }
            let applied = try await connection.withTransaction { connection in
                let now = try store.now(on: connection)
                let opens = (1...5).map {
                    IncomingEvent(externalID: "c-1", kind: "open", providerEventID: "m\($0)", machineOpen: true)
                }
                let ids = try store.record(opens, now: now, on: connection).map(\.id)
                return try applier.apply(eventIDs: ids, policies: document, now: now, on: connection)
            }
            #expect(applied.map(\.points) == [0, 0, 0, 0, 0])
            #expect(applied.allSatisfy { $0.to == .active && $0.reason == nil })
        }
    }

    @Test func botClicksAndMachineOpensAreNoConversions() async throws {
        try await MigratedSchema.with { connection, schema in
            let streams = """
                streams:
                  - name: promotion
                    entry: {event: page_visit}
                    steps:
                      - send: {template: cta, experiment: {name: cta, metric: clicks,
                               variants: [{name: demo, template: cta_demo}, {name: sales, template: cta_sales}]}}
                """
            _ = try await connection.withTransaction {
                try StreamStore(schema: schema).apply(Data(streams.utf8), on: $0)
            }
            let s = schema.quoted
            // Four contacts sent the demo variant: one person's click, one scanner's, two silent.
            try await connection.simpleQuery(
                """
                INSERT INTO \(s).contacts (external_id, email, segment, status_changed_at, created_at)
                SELECT 'x' || g, NULL, 'default', '2027-01-01', '2027-01-01' FROM generate_series(1, 4) g;
                INSERT INTO \(s).sends (contact_id, flow, step, template, channel, at, experiment, variant)
                SELECT id, 'promotion', 0, 'cta', 'email', '2027-01-10', 'cta', 'demo' FROM \(s).contacts;
                INSERT INTO \(s).engagement_events (contact_id, external_id, kind, occurred_at, received_at, bot, machine_open)
                SELECT id, external_id, 'click', '2027-01-10 01:00Z', '2027-01-10 01:00Z', external_id = 'x2', false
                FROM \(s).contacts WHERE external_id IN ('x1', 'x2');
                """)
            let store = ExperimentStore(schema: schema)
            let info = try #require(try await connection.run { try store.list(on: $0) }.first)
            let tallies = try await connection.run { try store.tallies(info, on: $0) }
            #expect(tallies.first { $0.name == "demo" }?.sends == 4)
            #expect(tallies.first { $0.name == "demo" }?.conversions == 1, "the scanner's click is no conversion")
        }
    }
}
