// After a resubscribe or an administrator's unsuppress, the soft bounces from before no longer count.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ConsentReinstatementTests {
    static let soft = #"{"type": "soft"}"#

    /// Suppressed by three soft bounces, then unsuppressed by an administrator: one new soft
    /// bounce is one, not the fourth of the window.
    @Test func unsuppressStartsTheSoftBounceCountAgain() async throws {
        try await ConsentHarness.with(contacts: ["b"]) { h in
            for day in [1.0, 2, 3] {
                try await h.at(day: day)
                try await h.event("b", "bounce", Self.soft)
            }
            #expect(try await h.state("b") == ("suppressed", "soft_bounce_limit"))
            try await h.at(day: 4)
            try await h.connection.withTransaction { [schema = h.schema] connection in
                try ContactConsent(schema: schema).unsuppress(
                    externalID: "b", consentSource: "mailbox fixed, per support ticket", on: connection)
            }
            try await h.at(day: 5)
            try await h.event("b", "bounce", Self.soft)
            #expect(
                try await h.state("b") == ("active", nil), "the bounces of days 1 to 3 are before the reinstatement")
            try await h.at(day: 6)
            try await h.event("b", "bounce", Self.soft)
            try await h.at(day: 7)
            try await h.event("b", "bounce", Self.soft)
            #expect(try await h.state("b") == ("suppressed", "soft_bounce_limit"), "three new ones suppress again")
        }
    }

    /// Two soft bounces, an unsubscribe and a resubscribe, each in its own batch or all in one:
    /// the next soft bounce is the first after the reinstatement.
    @Test func resubscribeStartsTheSoftBounceCountAgain() async throws {
        let resubscribe = #"{"consent_source": "preference centre"}"#
        try await ConsentHarness.with(contacts: ["a", "b"]) { h in
            try await h.event("a", "bounce", Self.soft)
            try await h.event("a", "bounce", Self.soft)
            try await h.event("a", "unsubscribe")
            try await h.at(day: 1)
            try await h.event("a", "resubscribe", resubscribe)
            try await h.at(day: 2)
            try await h.event("a", "bounce", Self.soft)
            #expect(try await h.state("a") == ("active", nil), "separate batches")
            try await h.batch([
                ("b", "bounce", Self.soft), ("b", "bounce", Self.soft), ("b", "unsubscribe", "{}"),
                ("b", "resubscribe", resubscribe), ("b", "bounce", Self.soft),
            ])
            #expect(try await h.state("b") == ("active", nil), "one batch")
        }
    }
}
