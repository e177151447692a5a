// ProviderEventRecorder against a real database: matching by send id and by address, unmatched events kept, repeats stored once, events applied.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ProviderEventRecorderTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    /// A schema with contacts c-1 (Ann@Example.com), c-2 (b@example.org) and c-3 (no address),
    /// and one send to c-2, whose id is passed on.
    func withContacts(_ body: (PGConnection, SchemaName, Int64) async throws -> Void) async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let sendID = try await connection.run { connection in
                try DatabaseClock(schema: schema).set(Self.start, on: connection)
                let store = EventStore(schema: schema)
                for (id, email) in [("c-1", "Ann@Example.com"), ("c-2", "b@example.org"), ("c-3", nil)] {
                    try store.upsertContact(
                        externalID: id, email: email, segment: "default", now: Self.start, on: connection)
                }
                return try connection.query(
                    """
                    INSERT INTO \(schema.qualified("sends")) (contact_id, flow, step, template, channel, at)
                    SELECT id, 'welcome', 1, 'hello', 'email', $1 FROM \(schema.qualified("contacts")) WHERE external_id = 'c-2'
                    RETURNING id
                    """, [Self.start]
                ).first!.decode("id", as: Int64.self)
            }
            try await body(connection, schema, sendID)
        }
    }

    struct Row: Equatable {
        var externalID: String
        var source: String
        var providerEventID: String
        var sendID: String?
        var applied: Bool
    }

    func events(_ connection: PGConnection, _ schema: SchemaName) async throws -> [Row] {
        try await connection.query(
            """
            SELECT external_id, source, provider_event_id, properties->>'send_id' AS send_id, applied_at IS NOT NULL AS applied
            FROM \(schema.qualified("engagement_events")) ORDER BY id
            """
        ).rows.map {
            Row(
                externalID: try $0.decode("external_id"), source: try $0.decode("source"),
                providerEventID: try $0.decode("provider_event_id"), sendID: try $0.decode("send_id"),
                applied: try $0.decode("applied"))
        }
    }

    func unmatched(_ connection: PGConnection, _ schema: SchemaName) async throws -> [(id: String, reason: String)] {
        try await connection.query(
            "SELECT provider_event_id, reason FROM \(schema.qualified("unmatched_provider_events")) ORDER BY id"
        ).rows.map { (try $0.decode("provider_event_id"), try $0.decode("reason")) }
    }

    /// The send id wins over the address; without a send (or with an unknown one) the address
    /// finds its contact whatever its case; the matched send's id is in the event's properties.
    @Test func matchesBySendIDElseByAddressWithoutCase() async throws {
        try await withContacts { connection, schema, sendID in
            let recorder = ProviderEventRecorder(schema: schema)
            let report = try await recorder.record(
                [
                    ProviderEvent(
                        provider: "sendgrid", providerEventID: "e1", kind: "open", sendID: sendID,
                        email: "ann@example.com"),
                    ProviderEvent(provider: "sendgrid", providerEventID: "e2", kind: "click", email: "ANN@example.COM"),
                    ProviderEvent(
                        provider: "sendgrid", providerEventID: "e3", kind: "click", sendID: 987_654,
                        email: "B@Example.org"),
                ], on: connection)
            #expect(report.stored == 3, "\(report)")
            #expect(
                try await events(connection, schema) == [
                    Row(
                        externalID: "c-2", source: "sendgrid", providerEventID: "e1", sendID: "\(sendID)", applied: true
                    ),
                    Row(externalID: "c-1", source: "sendgrid", providerEventID: "e2", sendID: nil, applied: true),
                    Row(externalID: "c-2", source: "sendgrid", providerEventID: "e3", sendID: nil, applied: true),
                ])
            #expect(try await unmatched(connection, schema).isEmpty)
        }
    }

    /// An event that matches nothing is kept with its reason (never the address), and a repeat
    /// of it, later or in the same batch, is kept once.
    @Test func unmatchedEventsAreKeptWithTheirReasonOnce() async throws {
        try await withContacts { connection, schema, _ in
            let recorder = ProviderEventRecorder(schema: schema)
            let batch = [
                ProviderEvent(provider: "mailgun", providerEventID: "u1", kind: "bounce", sendID: 424_242),
                ProviderEvent(provider: "mailgun", providerEventID: "u2", kind: "bounce", email: "nobody@example.net"),
                ProviderEvent(provider: "mailgun", providerEventID: "u3", kind: "complaint"),
                ProviderEvent(
                    provider: "mailgun", providerEventID: "u4", kind: "open", sendID: 424_243,
                    email: "nobody@example.net"),
                ProviderEvent(provider: "mailgun", providerEventID: "u2", kind: "bounce", email: "nobody@example.net"),
            ]
            let first = try await recorder.record(batch, on: connection)
            #expect(first.unmatched == 4 && first.duplicates == 1, "\(first)")
            let kept = try await unmatched(connection, schema)
            #expect(kept.map(\.id) == ["u1", "u2", "u3", "u4"])
            #expect(kept[0].reason == "send id 424242 is unknown and the event names no address")
            #expect(kept[1].reason == "the event carries no send id and no contact has its address")
            #expect(kept[2].reason == "the event carries neither a send id nor an address")
            #expect(kept[3].reason == "send id 424243 is unknown and no contact has the event's address")
            #expect(!kept.contains { $0.reason.contains("nobody") })
            let again = try await recorder.record(batch, on: connection)
            #expect(again.outcomes == Array(repeating: .duplicate, count: 5))
            #expect(try await unmatched(connection, schema).count == 4)
            #expect(try await events(connection, schema).isEmpty)
        }
    }

    /// A provider delivering the same events again (a retry) stores them once; the same id
    /// from another provider is another event.
    @Test func aRepeatDeliveryIsStoredOnce() async throws {
        try await withContacts { connection, schema, sendID in
            let recorder = ProviderEventRecorder(schema: schema)
            let batch = [
                ProviderEvent(provider: "postmark", providerEventID: "p1", kind: "click", sendID: sendID),
                ProviderEvent(provider: "postmark", providerEventID: "p1", kind: "click", sendID: sendID),
                ProviderEvent(provider: "postmark", providerEventID: "p2", kind: "open", email: "ann@example.com"),
            ]
            let first = try await recorder.record(batch, on: connection)
            #expect(first.stored == 2 && first.duplicates == 1, "\(first)")
            let second = try await recorder.record(batch, on: connection)
            #expect(second.outcomes == [.duplicate, .duplicate, .duplicate])
            let third = try await recorder.record(
                [ProviderEvent(provider: "mailgun", providerEventID: "p1", kind: "click", sendID: sendID)],
                on: connection)
            #expect(third.stored == 1)
            #expect(try await events(connection, schema).map(\.providerEventID) == ["p1", "p2", "p1"])
        }
    }

    /// Matched events are applied in the recording transaction: a click scores, a machine open
    /// and a scanner's click are kept with their flags, a hard bounce is settled (the consent
    /// rules give it its effect), and a kind the policy does not accept is kept and rejected.
    @Test func matchedEventsAreAppliedWithTheirFlags() async throws {
        try await withContacts { connection, schema, sendID in
            let recorder = ProviderEventRecorder(schema: schema)
            let report = try await recorder.record(
                [
                    ProviderEvent(provider: "sendgrid", providerEventID: "a1", kind: "click", sendID: sendID),
                    ProviderEvent(
                        provider: "sendgrid", providerEventID: "a2", kind: "open", sendID: sendID, machineOpen: true),
                    ProviderEvent(
                        provider: "sendgrid", providerEventID: "a3", kind: "click", email: "ann@example.com", bot: true,
                        url: "https://example.com/x"),
                    ProviderEvent(
                        provider: "sendgrid", providerEventID: "a4", kind: "bounce", sendID: sendID,
                        properties: #"{"type": "hard", "reason": "550 no such user"}"#),
                    ProviderEvent(provider: "sendgrid", providerEventID: "a5", kind: "no_such_kind", sendID: sendID),
                ], on: connection)
            #expect(report.outcomes.prefix(4).allSatisfy { $0.label == "stored" }, "\(report)")
            guard case .rejected(_, let reason) = report.outcomes[4] else {
                Issue.record("the unknown kind was \(report.outcomes[4])")
                return
            }
            #expect(reason.contains("unknown event kind"))
            let rows = try await connection.query(
                """
                SELECT provider_event_id, points, machine_open, bot, url, properties->>'type' AS type,
                       properties->>'send_id' AS send_id, applied_at IS NOT NULL AS settled
                FROM \(schema.qualified("engagement_events")) ORDER BY id
                """
            ).rows
            #expect(try rows.map { try $0.decode("settled", as: Bool.self) } == [true, true, true, true, true])
            #expect(try rows[0].decode("points", as: Int?.self) == 10)
            #expect(try rows[1].decode("machine_open", as: Bool.self))
            #expect(try rows[2].decode("bot", as: Bool.self))
            #expect(try rows[2].decode("url", as: String?.self) == "https://example.com/x")
            #expect(try rows[3].decode("type", as: String?.self) == "hard")
            #expect(try rows[3].decode("send_id", as: String?.self) == "\(sendID)")
            let score = try await connection.query(
                "SELECT engagement_score FROM \(schema.qualified("contacts")) WHERE external_id = 'c-2'"
            ).first!.decode("engagement_score", as: Double.self)
            #expect(score >= 10)
        }
    }

    struct Refused: Error {}

    /// What `first` does commits with the events; when it throws, nothing is stored.
    @Test func theFirstCheckSharesTheTransaction() async throws {
        try await withContacts { connection, schema, sendID in
            let recorder = ProviderEventRecorder(schema: schema)
            let event = ProviderEvent(provider: "mailgun", providerEventID: "t1", kind: "click", sendID: sendID)
            let tokens = schema.qualified("webhook_tokens")
            await #expect(throws: Refused.self) {
                try await recorder.record([event], on: connection) { connection, now in
                    try connection.execute(
                        "INSERT INTO \(tokens) (provider, token, signed_at) VALUES ('mailgun', 'x', $1)", [now])
                    throw Refused()
                }
            }
            #expect(try await events(connection, schema).isEmpty)
            #expect(try await MigratedSchema.count(connection, "SELECT * FROM \(tokens)") == 0)
            let seen = try await recorder.record([event], on: connection) { connection, now in
                #expect(now == Self.start)
                try connection.execute(
                    "INSERT INTO \(tokens) (provider, token, signed_at) VALUES ('mailgun', 'x', $1)", [now])
            }
            #expect(seen.stored == 1)
            #expect(try await MigratedSchema.count(connection, "SELECT * FROM \(tokens)") == 1)
        }
    }

    /// An event that cannot be stored is reported alone; the rest of its batch commits.
    @Test func anUnstorableEventIsReportedAlone() async throws {
        try await withContacts { connection, schema, sendID in
            let report = try await ProviderEventRecorder(schema: schema).record(
                [
                    ProviderEvent(provider: "sendgrid", providerEventID: "", kind: "click", sendID: sendID),
                    ProviderEvent(provider: "sendgrid", providerEventID: "i2", kind: "click", properties: "[1]"),
                    ProviderEvent(
                        provider: "sendgrid", providerEventID: "i3", kind: "click", sendID: sendID,
                        properties: #"{"x": "a\u0000b"}"#),
                    ProviderEvent(provider: "sendgrid", providerEventID: "i4\u{0}", kind: "click", sendID: sendID),
                    ProviderEvent(provider: "sendgrid", providerEventID: "i5", kind: "click", sendID: sendID),
                ], on: connection)
            #expect(
                report.outcomes.map(\.label) == ["invalid", "invalid", "invalid", "invalid", "stored"], "\(report)")
            #expect(try await events(connection, schema).map(\.providerEventID) == ["i5"])
        }
    }
}
