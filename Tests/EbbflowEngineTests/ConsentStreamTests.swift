// A consent event (unsubscribe, resubscribe, bounce, complaint, delivered) never places a contact in a stream.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ConsentStreamTests {
    /// `nurture` is standing (it admits any active contact at any decision point): a delivery,
    /// a soft bounce or a resubscribe is no sign of interest and enters it not; a click (the
    /// control) does. A consent kind still ends a membership when a stream names it as an exit.
    /// (A stream entered on a consent kind is refused by `streams apply`: StreamDefinitionTests.)
    @Test func consentEventsEnterNoStream() async throws {
        let streams = """
            streams:
              - {name: nurture, entry: {statuses: [active]}, steps: [{send: nurture_1}, {wait: 30d}, {end: true}],
                 exits: [delivered]}
            """
        try await ConsentHarness.with(contacts: ["d", "b", "r", "k"], streams: streams) { h in
            try await h.event("d", "delivered")
            try await h.event("b", "bounce", #"{"type": "soft"}"#)
            try await h.event("r", "unsubscribe")
            try await h.event("r", "resubscribe", #"{"consent_source": "preference centre"}"#)
            #expect(try await h.state("r") == ("active", nil))
            try await h.event("k", "click")
            func members() async throws -> [String] {
                try await h.connection.query(
                    """
                    SELECT c.external_id || ':' || m.stream AS m FROM \(h.schema.quoted).stream_memberships m
                    JOIN \(h.schema.quoted).contacts c ON c.id = m.contact_id ORDER BY 1
                    """
                ).rows.map { try $0.decode("m") }
            }
            #expect(try await members() == ["k:nurture"], "only the click placed its contact")
            try await h.event("k", "delivered")
            #expect(try await members().isEmpty, "a consent kind named as an exit still exits")
            try await h.drain()
            #expect(try await h.sends("d") + h.sends("b") + h.sends("r") == 0)
        }
    }
}
