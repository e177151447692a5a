// The consent kinds applied as events: each one's effect and audit row, soft-bounce counting, resubscribe, batch order.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ConsentEventTests {
    /// A policy that scores every consent kind: they must still earn 0.
    static let greedyPolicy = """
        {"default": {"points": {"unsubscribe": 50, "resubscribe": 50, "bounce": 50, "complaint": 50, "delivered": 50}}}
        """

    @Test func eachKindHasItsEffectAndAuditRowAndEarnsNothing() async throws {
        try await ConsentHarness.with(contacts: ["u", "c", "h", "s", "d"], policy: Self.greedyPolicy) { h in
            let result = try await h.batch([
                ("u", "unsubscribe", "{}"), ("c", "complaint", "{}"), ("h", "bounce", #"{"type": "hard"}"#),
                ("s", "bounce", #"{"type": "soft"}"#), ("d", "delivered", "{}"),
            ])
            #expect(result.rejected.isEmpty && result.applied.count == 5)
            #expect(result.applied.allSatisfy { $0.points == 0 }, "consent earns 0 whatever the policy says")
            #expect(try await h.state("u") == ("suppressed", "unsubscribed"))
            #expect(try await h.state("c") == ("suppressed", "complaint"))
            #expect(try await h.state("h") == ("suppressed", "hard_bounce"))
            #expect(try await h.state("s") == ("active", nil), "one soft bounce is counted, not a suppression")
            #expect(try await h.state("d") == ("active", nil))
            #expect(try await h.transitions("u") == ["active>suppressed:unsubscribed"])
            #expect(try await h.transitions("c") == ["active>suppressed:complaint"])
            #expect(try await h.transitions("h") == ["active>suppressed:hard_bounce"])
            #expect(try await h.transitions("s").isEmpty)
            #expect(try await h.transitions("d").isEmpty)
            let moved = try await h.count(
                """
                SELECT 1 FROM \(h.schema.quoted).contacts WHERE last_engagement_at IS NOT NULL OR engagement_score <> 0
                    OR score_as_of IS NOT NULL
                """)
            #expect(moved == 0, "consent is not engagement: no score, no last engagement")
            let points = try await h.connection.query(
                "SELECT DISTINCT points FROM \(h.schema.quoted).engagement_events"
            ).rows.map { try $0.decode("points", as: Int?.self) }
            #expect(points == [0], "stored as applied with 0 points")
        }
    }

    /// An inactive contact that unsubscribes is suppressed, not reactivated: consent never
    /// counts as engagement.
    @Test func consentNeverReactivates() async throws {
        try await ConsentHarness.with(contacts: ["i", "j"]) { h in
            try await h.connection.query(
                "UPDATE \(h.schema.quoted).contacts SET campaign_status = 'inactive'", [])
            try await h.event("i", "delivered")
            try await h.event("j", "bounce", #"{"type": "soft"}"#)
            #expect(try await h.state("i").status == "inactive")
            #expect(try await h.state("j").status == "inactive")
            try await h.event("i", "unsubscribe")
            #expect(try await h.transitions("i") == ["inactive>suppressed:unsubscribed"])
        }
    }

    /// Three soft bounces within 30 days (the default) suppress; the window is the 30 days up to
    /// the newest, so a bounce exactly 30 days older no longer counts. A bounce without a type,
    /// or with one ebbflow does not know, is soft.
    @Test func softBouncesCountWithinTheWindowEdges() async throws {
        try await ConsentHarness.with(contacts: ["b", "n"]) { h in
            try await h.event("b", "bounce", #"{"type": "soft"}"#)
            try await h.at(day: 10)
            try await h.event("b", "bounce", "{}")
            try await h.at(day: 30)
            try await h.event("b", "bounce", #"{"type": "HARD"}"#)
            #expect(
                try await h.state("b") == ("active", nil),
                "day 0 is exactly 30 days before day 30: out of the window, so two bounces count")
            try await h.at(day: 39.9)
            try await h.event("b", "bounce", #"{"type": 5}"#)
            #expect(try await h.state("b") == ("suppressed", "soft_bounce_limit"), "days 10, 30 and 39.9")
            #expect(try await h.transitions("b") == ["active>suppressed:soft_bounce_limit"])
            // Three in one batch: the third reaches the limit.
            let result = try await h.batch(Array(repeating: ("n", "bounce", #"{"type": "soft"}"#), count: 3))
            #expect(result.applied.map(\.reason) == [nil, nil, .softBounceLimit])
            #expect(try await h.state("n") == ("suppressed", "soft_bounce_limit"))
        }
    }

    @Test func softBounceLimitFollowsThePolicy() async throws {
        let policy = #"{"default": {"soft_bounce_limit": {"bounces": 2, "days": 5}}}"#
        try await ConsentHarness.with(contacts: ["b"], policy: policy) { h in
            try await h.event("b", "bounce")
            try await h.at(day: 5)
            try await h.event("b", "bounce")
            #expect(try await h.state("b").status == "active", "5 days apart: out of the window")
            try await h.at(day: 9)
            try await h.event("b", "bounce")
            #expect(try await h.state("b") == ("suppressed", "soft_bounce_limit"))
        }
    }

    @Test func softBounceLimitIsValidated() throws {
        func refusal(_ text: String) -> PolicyError? {
            do {
                _ = try PolicyDocument.parse(Data(text.utf8))
                return nil
            } catch { return error }
        }
        let defaults = try PolicyDocument.parse(Data("{}".utf8)).default.softBounceLimit
        #expect(defaults.bounces == 3 && defaults.days == 30)
        #expect(
            refusal(#"{"default": {"soft_bounce_limit": {"bounces": 0}}}"#)?.field
                == "default.soft_bounce_limit.bounces")
        #expect(refusal(#"{"default": {"soft_bounce_limit": {"bounces": 101}}}"#) != nil)
        #expect(refusal(#"{"default": {"soft_bounce_limit": {"days": 0}}}"#)?.field == "default.soft_bounce_limit.days")
        #expect(refusal(#"{"default": {"soft_bounce_limit": {"days": 99999999999}}}"#) != nil)
        let unknown = refusal(#"{"default": {"soft_bounce_limit": {"bounce": 2}}}"#)
        #expect(
            unknown?.description
                == #"policy field default.soft_bounce_limit.bounce: unknown key "bounce" in default.soft_bounce_limit"#,
            "\(String(describing: unknown))")
        #expect(
            refusal(#"{"default": {"soft_bounce_limit": {"bounces": 0}}}"#)?.description
                == "policy field default.soft_bounce_limit.bounces = 0: must be between 1 and 100")
        let merged = try PolicyDocument.parse(Data(#"{"default": {"soft_bounce_limit": {"days": 7}}}"#.utf8))
        #expect(merged.default.softBounceLimit.bounces == 3 && merged.default.softBounceLimit.days == 7)
    }

    /// A resubscribe needs its consent source (a non-empty string); it lifts an unsubscribe only,
    /// with the source on the audit row; on a complaint it changes nothing and says why.
    @Test func resubscribeNeedsItsConsentSourceAndLiftsOnlyAnUnsubscribe() async throws {
        try await ConsentHarness.with(contacts: ["u", "c", "a"]) { h in
            try await h.event("u", "unsubscribe")
            for properties in [
                "{}", #"{"consent_source": ""}"#, #"{"consent_source": 7}"#, #"{"consent_source": "a\nb"}"#,
            ] {
                let result = try await h.event("u", "resubscribe", properties)
                #expect(result.applied.isEmpty && result.rejected.count == 1, "\(properties)")
                #expect(result.rejected.first?.reason.contains("consent_source") == true, "\(result.rejected)")
                #expect(try await h.state("u") == ("suppressed", "unsubscribed"))
            }
            let long = String(repeating: "x", count: 501)
            #expect(try await h.event("u", "resubscribe", #"{"consent_source": "\#(long)"}"#).rejected.count == 1)
            let lifted = try await h.event("u", "resubscribe", #"{"consent_source": "preference centre, 2026-12-07"}"#)
            #expect(lifted.applied.first?.reason == .resubscribed && lifted.applied.first?.to == .active)
            #expect(try await h.state("u") == ("active", nil))
            #expect(
                try await h.transitions("u") == [
                    "active>suppressed:unsubscribed", "suppressed>active:resubscribed:preference centre, 2026-12-07",
                ])
            let rejections = try await h.connection.run { [schema = h.schema] in
                try RejectedEventStore(schema: schema).list(limit: 10, externalID: "u", on: $0)
            }
            #expect(rejections.count == 5 && rejections.allSatisfy { $0.kind == "resubscribe" })

            try await h.event("c", "complaint")
            try await h.event("c", "unsubscribe")
            let refused = try await h.event("c", "resubscribe", #"{"consent_source": "form"}"#)
            #expect(refused.rejected.first?.reason.contains("suppressed for complaint") == true, "\(refused.rejected)")
            #expect(try await h.state("c") == ("suppressed", "complaint"), "a complaint is permanent")

            // A contact that is not suppressed: the consent is recorded, nothing changes.
            let recorded = try await h.event("a", "resubscribe", #"{"consent_source": "form"}"#)
            #expect(recorded.applied.count == 1 && recorded.applied.first?.reason == nil)
            #expect(try await h.state("a") == ("active", nil))
        }
    }

    /// Within one batch, events apply in order: an unsubscribe then a click stays suppressed
    /// (the click is recorded with its points); a suppressed contact that suppresses again gets
    /// a suppressed → suppressed row and keeps the stronger reason.
    @Test func orderWithinABatchAndTheStrongerReason() async throws {
        try await ConsentHarness.with(contacts: ["k", "c", "u"]) { h in
            let result = try await h.batch([("k", "unsubscribe", "{}"), ("k", "click", "{}"), ("k", "open", "{}")])
            #expect(result.applied.map(\.to) == [.suppressed, .suppressed, .suppressed])
            #expect(result.applied.map(\.points) == [0, 10, 5], "later engagement is recorded")
            #expect(try await h.state("k") == ("suppressed", "unsubscribed"))
            for _ in 0..<5 { try await h.event("k", "click") }
            #expect(try await h.state("k").status == "suppressed", "engagement never un-suppresses")
            #expect(try await h.transitions("k") == ["active>suppressed:unsubscribed"])

            try await h.batch([("c", "complaint", "{}"), ("c", "unsubscribe", "{}")])
            #expect(try await h.state("c") == ("suppressed", "complaint"))
            #expect(
                try await h.transitions("c") == ["active>suppressed:complaint", "suppressed>suppressed:unsubscribed"])

            try await h.event("u", "unsubscribe")
            try await h.event("u", "bounce", #"{"type": "hard"}"#)
            #expect(try await h.state("u") == ("suppressed", "hard_bounce"), "a hard bounce outranks an unsubscribe")
            let refused = try await h.event("u", "resubscribe", #"{"consent_source": "form"}"#)
            #expect(refused.rejected.count == 1)
            #expect(try await h.state("u").status == "suppressed")
        }
    }

    /// sql/engine/0023: whatever statement moves a contact out of suppressed clears its reason.
    @Test func leavingSuppressedClearsTheReasonWhoeverWritesIt() async throws {
        try await ConsentHarness.with(contacts: ["x"]) { h in
            try await h.event("x", "unsubscribe")
            try await h.connection.query(
                "UPDATE \(h.schema.quoted).contacts SET campaign_status = 'active' WHERE external_id = 'x'", [])
            #expect(try await h.state("x") == ("active", nil))
            try await h.connection.query(
                "UPDATE \(h.schema.quoted).contacts SET suppression_reason = 'complaint' WHERE external_id = 'x'", [])
            #expect(try await h.state("x") == ("active", nil), "no reason on a contact that is not suppressed")
        }
    }

    @Test func strengthOrderIsTotalAndDocumented() {
        #expect(SuppressionStrength.kept(current: "complaint", incoming: .unsubscribed) == "complaint")
        #expect(SuppressionStrength.kept(current: "unsubscribed", incoming: .hardBounce) == "hard_bounce")
        #expect(SuppressionStrength.kept(current: "soft_bounce_limit", incoming: .unsubscribed) == "unsubscribed")
        #expect(
            SuppressionStrength.kept(current: "manual_suppression", incoming: .softBounceLimit) == "soft_bounce_limit")
        #expect(
            SuppressionStrength.kept(current: "reactivation_exhausted", incoming: .manualSuppression)
                == "manual_suppression")
        #expect(SuppressionStrength.kept(current: nil, incoming: .manualSuppression) == "manual_suppression")
        #expect(
            SuppressionStrength.kept(current: "import_reason", incoming: .reactivationExhausted)
                == "reactivation_exhausted")
        #expect(Set(SuppressionStrength.weakestFirst) == StateMachine.suppressions.union([.reactivationExhausted]))
    }

    @Test func consentKindsAreAccepted() {
        let kinds = PolicyDocument().acceptedEventKinds
        for kind in ["unsubscribe", "resubscribe", "bounce", "complaint", "delivered"] { #expect(kinds.contains(kind)) }
    }
}
