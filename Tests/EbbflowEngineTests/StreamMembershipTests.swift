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
    static let policy =
        #"""
        {"default": {"points": {"open": 5, "click": 10, "high_intent_visit": 15, "form_submit": 15, "page_visit": 1, \#
        "signup": 0, "purchase": 0, "product_return": 0}}}
        """#

    func stream(_ connection: PGConnection, _ schema: SchemaName, _ contact: String) async throws -> String? {
        try await connection.query(
            """
            SELECT m.stream FROM \(schema.quoted).stream_memberships m JOIN \(schema.quoted).contacts c ON c.id = m.contact_id WHERE c.external_id = $1
            """, [contact]
        ).first?.decode("stream")
    }

    func decisions(_ connection: PGConnection, _ schema: SchemaName, _ contact: String) async throws -> [String] {
        try await connection.query(
            """
            SELECT d.trigger, coalesce(d.previous, '-') AS previous, coalesce(d.chosen, '-') AS chosen, d.reason, d.event_id IS NOT NULL AS has_event
            FROM \(schema.quoted).stream_decisions d JOIN \(schema.quoted).contacts c ON c.id = d.contact_id WHERE c.external_id = $1 ORDER BY d.id
            """, [contact]
        ).rows.map {
            """
            \(try $0.decode("trigger", as: String.self)) \(try $0.decode("previous", as: String.self))→\(try $0.decode("chosen", as: String.self)) \
            \(try $0.decode("reason", as: String.self))
            """
        }
    }

    /// A purchase ends `welcome` in the purchase's own transaction, and the arbiter puts the
    /// contact in the stream the purchase enters; each decision is logged with its trigger.
    @Test func exitEventEndsTheStreamAndTheArbiterReconsiders() async throws {
        try await StreamStepTests().scenario(streams: Self.streams, contacts: ["ann", "bob"]) {
            connection, schema, event, _ in
            try await event("ann", "signup")
            #expect(try await stream(connection, schema, "ann") == "welcome")
            try await event("ann", "open")
            #expect(
                try await stream(connection, schema, "ann") == "welcome",
                "an event that enters or ends nothing is no decision point")
            try await event("ann", "purchase")
            #expect(try await stream(connection, schema, "ann") == "post_purchase")
            #expect(
                try await decisions(connection, schema, "ann") == [
                    "event:signup -→welcome sampled_estimate", "exit:purchase welcome→post_purchase sampled_estimate",
                ])
            let weighed: String = try await connection.query(
                "SELECT candidates::text AS c FROM \(schema.quoted).stream_decisions ORDER BY id DESC LIMIT 1"
            ).first!.decode("c")
            #expect(
                weighed.contains("\"stream\": \"post_purchase\"") && weighed.contains("\"draw\""),
                "the log keeps what was weighed: \(weighed)")
            #expect(try await stream(connection, schema, "bob") == nil, "others are untouched")
            let view = try #require(
                try await connection.run {
                    try ContactStore(schema: schema).show(externalID: "ann", policies: PolicyDocument(), on: $0)
                })
            #expect(view.stream?.name == "post_purchase")
            #expect(view.streamDecisions.map(\.trigger) == ["event:signup", "exit:purchase"])
            #expect(
                view.streamDecisions.last?.previous == "welcome"
                    && view.streamDecisions.last?.reason == "sampled_estimate")
        }
    }

    /// A product return enters the locked post-return stream at once, out of an open
    /// promotion; while it runs, nothing moves the contact, not even another entry event.
    @Test func productReturnEntersTheLockedStreamAndHoldsIt() async throws {
        try await StreamStepTests().scenario(streams: Self.streams, contacts: ["ann", "bob"]) {
            connection, schema, event, _ in
            try await event("bob", "page_visit")
            #expect(try await stream(connection, schema, "bob") == "promotion")
            try await event("bob", "product_return")
            #expect(try await stream(connection, schema, "bob") == "post_return")
            try await event("bob", "purchase")
            #expect(try await stream(connection, schema, "bob") == "post_return", "a locked stream holds")
            #expect(
                try await decisions(connection, schema, "bob") == [
                    "event:page_visit -→promotion sampled_estimate",
                    "event:product_return promotion→post_return locked_entry",
                    "event:purchase post_return→post_return locked",
                ])
        }
    }
}
