// Streams at events' decision points: entries, exits in the event's own transaction, locked journeys, and the decision log.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct StreamMembershipTests {
    static let streams = """
        streams:
          - {name: welcome, entry: {event: signup}, steps: [{send: welcome_1}, {wait: 14d}, {send: welcome_2}], exits: [purchase]}
          - {name: post_purchase, entry: {event: purchase}, steps: [{send: thanks}]}
          - {name: promotion, entry: {event: page_visit}, steps: [{send: promo}]}
          - {name: post_return, mode: locked, entry: {event: product_return}, steps: [{send: sorry}, {wait: 7d}, {send: follow_up}]}
        """
    static let policy = #"{"default": {"points": {"open": 5, "click": 10, "high_intent_visit": 15, "form_submit": 15, "page_visit": 1, "signup": 0, "purchase": 0, "product_return": 0}}}"#

    func withStreams(_ body: (PGConnection, SchemaName, _ event: (String, String) async throws -> Void) async throws -> Void) async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = EventStore(schema: schema)
            try await connection.withTransaction { connection in
                try DatabaseClock(schema: schema).set(Date(timeIntervalSince1970: 1_800_000_000), on: connection)
                try PolicyStore(schema: schema).save(Data(Self.policy.utf8), on: connection)
                _ = try StreamStore(schema: schema).apply(Data(Self.streams.utf8), on: connection)
                for name in ["ann", "bob"] { try store.upsertContact(externalID: name, email: "\(name)@example.com", segment: "retail", now: try store.now(on: connection), on: connection) }
            }
            var count = 0
            try await body(connection, schema) { contact, kind in
                count += 1
                let index = count
                try await connection.withTransaction { connection in
                    let now = try store.now(on: connection)
                    let policies = try PolicyStore(schema: schema).load(on: connection)
                    guard case .stored(let id) = try store.record(IncomingEvent(externalID: contact, kind: kind, providerEventID: "e\(index)"), now: now, on: connection) else { return }
                    _ = try EventApplier(schema: schema).apply(eventID: id, policies: policies, now: now, on: connection)
                }
            }
        }
    }

    func stream(_ connection: PGConnection, _ schema: SchemaName, _ contact: String) async throws -> String? {
        try await connection.query("""
            SELECT m.stream FROM \(schema.quoted).stream_memberships m JOIN \(schema.quoted).contacts c ON c.id = m.contact_id WHERE c.external_id = $1
            """, [contact]).first?.decode("stream")
    }

    func decisions(_ connection: PGConnection, _ schema: SchemaName, _ contact: String) async throws -> [String] {
        try await connection.query("""
            SELECT d.trigger, coalesce(d.previous, '-') AS previous, coalesce(d.chosen, '-') AS chosen, d.reason, d.event_id IS NOT NULL AS has_event
            FROM \(schema.quoted).stream_decisions d JOIN \(schema.quoted).contacts c ON c.id = d.contact_id WHERE c.external_id = $1 ORDER BY d.id
            """, [contact]).rows.map {
            "\(try $0.decode("trigger", as: String.self)) \(try $0.decode("previous", as: String.self))→\(try $0.decode("chosen", as: String.self)) \(try $0.decode("reason", as: String.self))"
        }
    }

    /// A purchase ends `welcome` in the purchase's own transaction, and the arbiter puts the
    /// contact in the stream the purchase enters; each decision is logged with its trigger.
    @Test func exitEventEndsTheStreamAndTheArbiterReconsiders() async throws {
        try await withStreams { connection, schema, event in
            try await event("ann", "signup")
            #expect(try await stream(connection, schema, "ann") == "welcome")
            try await event("ann", "open")
            #expect(try await stream(connection, schema, "ann") == "welcome", "an event that enters or ends nothing is no decision point")
            try await event("ann", "purchase")
            #expect(try await stream(connection, schema, "ann") == "post_purchase")
            #expect(try await decisions(connection, schema, "ann") == [
                "event:signup -→welcome sampled_estimate", "exit:purchase welcome→post_purchase sampled_estimate",
            ])
            let weighed: String = try await connection.query(
                "SELECT candidates::text AS c FROM \(schema.quoted).stream_decisions ORDER BY id DESC LIMIT 1").first!.decode("c")
            #expect(weighed.contains("\"stream\": \"post_purchase\"") && weighed.contains("\"draw\""), "the log keeps what was weighed: \(weighed)")
            #expect(try await stream(connection, schema, "bob") == nil, "others are untouched")
            let view = try #require(try await connection.run { try ContactStore(schema: schema).show(externalID: "ann", policies: PolicyDocument(), on: $0) })
            #expect(view.stream?.name == "post_purchase")
            #expect(view.streamDecisions.map(\.trigger) == ["event:signup", "exit:purchase"])
            #expect(view.streamDecisions.last?.previous == "welcome" && view.streamDecisions.last?.reason == "sampled_estimate")
        }
    }

    /// A product return enters the locked post-return stream at once, out of an open
    /// promotion; while it runs, nothing moves the contact, not even another entry event.
    @Test func productReturnEntersTheLockedStreamAndHoldsIt() async throws {
        try await withStreams { connection, schema, event in
            try await event("bob", "page_visit")
            #expect(try await stream(connection, schema, "bob") == "promotion")
            try await event("bob", "product_return")
            #expect(try await stream(connection, schema, "bob") == "post_return")
            try await event("bob", "purchase")
            #expect(try await stream(connection, schema, "bob") == "post_return", "a locked stream holds")
            #expect(try await decisions(connection, schema, "bob") == [
                "event:page_visit -→promotion sampled_estimate", "event:product_return promotion→post_return locked_entry",
                "event:purchase post_return→post_return locked",
            ])
        }
    }
}
