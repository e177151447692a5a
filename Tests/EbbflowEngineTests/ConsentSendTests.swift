// Nothing is sent to a suppressed contact: pending steps cancelled in the event's transaction, and every send re-checks.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

@Suite struct ConsentSendTests {
    static let streams = """
        streams:
          - {name: welcome, entry: {event: signup}, steps: [{wait: 1d}, {send: welcome_1}]}
          - {name: promo, entry: {event: purchase}, steps: [{send: promo_1}]}
          - name: trial
            entry: {event: form_submit}
            steps:
              - send: {template: t, experiment: {name: subject, metric: opens,
                       variants: [{name: a, template: t_a}, {name: b, template: t_b}]}}
        """

    func enqueue(_ h: ConsentHarness, _ job: NewJob) async throws {
        _ = try await h.connection.withTransaction { [schema = h.schema] in
            try JobStore(schema: schema).enqueue(job, on: $0)
        }
    }

    /// The last error message of the contact's cancelled jobs, by kind.
    func cancelled(_ h: ConsentHarness, _ contact: String) async throws -> [String: String] {
        let id = try await h.id(contact)
        var result: [String: String] = [:]
        for row in try await h.connection.query(
            """
            SELECT kind, errors->-1->>'message' AS m FROM \(h.schema.quoted).finished_jobs
            WHERE state = 'cancelled' AND subject = $1
            """, ["contact:\(id)"]
        ).rows {
            result[try row.decode("kind")] = try row.decode("m")
        }
        return result
    }

    /// An unsubscribe cancels the contact's pending flow step, flow wait end, reactivation step
    /// and stream step in its own transaction, and ends its stream membership with a logged
    /// decision; nothing is sent afterwards.
    @Test func suppressionCancelsEveryPendingStepKindAndEndsTheStream() async throws {
        try await ConsentHarness.with(contacts: ["p", "q"], streams: Self.streams) { h in
            _ = try await h.connection.withTransaction { [schema = h.schema] in
                try FlowStore(schema: schema).start(
                    FlowDefinition(name: "welcome_flow", segment: "retail", template: "w"), on: $0)
            }
            let id = try await h.id("p")
            let later = ConsentHarness.start.addingTimeInterval(86_400)
            try await enqueue(
                h,
                NewJob(
                    kind: FlowWaitEndJob.kind, args: PGJSON(#"{"flow": "welcome_flow", "contact_id": \#(id)}"#),
                    runAt: later, subject: "contact:\(id)"))
            try await enqueue(
                h,
                try NewJob(
                    kind: ReactivationStepJob.kind, encoding: ReactivationStepJob.Args(contactID: id, step: 1),
                    runAt: later, subject: "contact:\(id)"))
            try await h.event("p", "signup")
            #expect(try await h.count("SELECT 1 FROM \(h.schema.quoted).stream_memberships") == 1)
            try await h.event("p", "unsubscribe")
            let reason = "contact suppressed (unsubscribed): nothing more is sent to it"
            #expect(
                try await cancelled(h, "p") == [
                    "flow_step": reason, "flow_wait_end": reason, "reactivation_step": reason, "stream_step": reason,
                ])
            #expect(try await h.count("SELECT 1 FROM \(h.schema.quoted).stream_memberships") == 0)
            let decision = try await h.connection.query(
                "SELECT trigger, previous, chosen, reason FROM \(h.schema.quoted).stream_decisions ORDER BY id DESC LIMIT 1"
            ).first!
            #expect(try decision.decode("trigger", as: String.self) == "suppressed:unsubscribed")
            #expect(try decision.decode("previous", as: String?.self) == "welcome")
            #expect(try decision.decode("chosen", as: String?.self) == nil)
            #expect(try decision.decode("reason", as: String.self) == "contact_suppressed")
            try await h.at(day: 2)
            try await h.drain()
            #expect(try await h.sends("p") == 0)
            #expect(try await h.sends("q") == 1, "everyone else continues")
            // A suppressed contact enters no stream, whatever event it sends.
            try await h.event("p", "purchase")
            #expect(try await h.count("SELECT 1 FROM \(h.schema.quoted).stream_memberships") == 0)
        }
    }

    /// The flow step's own transaction re-checks the contact: suppressed behind the engine's
    /// back (no cancellation), it gets no send and a skip saying why.
    @Test func flowStepRechecksTheContact() async throws {
        try await ConsentHarness.with(contacts: ["f", "g"]) { h in
            _ = try await h.connection.withTransaction { [schema = h.schema] in
                try FlowStore(schema: schema).start(
                    FlowDefinition(name: "fl", segment: "retail", template: "w"), on: $0)
            }
            try await h.suppressBehindTheEnginesBack("f")
            try await h.drain()
            #expect(try await h.sends("f") == 0)
            #expect(try await h.sends("g") == 1)
            let skip: String = try await h.connection.query(
                "SELECT reason FROM \(h.schema.quoted).flow_skips WHERE flow = 'fl'"
            ).first!.decode("reason")
            #expect(skip == "contact suppressed")
        }
    }

    /// A stream step's send, and an experiment variant's, re-check the contact the same way.
    @Test func streamAndExperimentSendsRecheckTheContact() async throws {
        try await ConsentHarness.with(contacts: ["s", "e", "ok"], streams: Self.streams) { h in
            try await h.event("s", "purchase")
            try await h.event("e", "form_submit")
            try await h.event("ok", "form_submit")
            try await h.suppressBehindTheEnginesBack("s")
            try await h.suppressBehindTheEnginesBack("e")
            try await h.drain()
            #expect(try await h.sends("s") == 0)
            #expect(try await h.sends("e") == 0)
            #expect(try await h.sends("ok") == 1, "the experiment sends to the others")
            let skips = try await h.connection.query(
                "SELECT flow, reason FROM \(h.schema.quoted).flow_skips ORDER BY flow"
            ).rows.map { "\(try $0.decode("flow", as: String.self)): \(try $0.decode("reason", as: String.self))" }
            #expect(skips == ["promo: contact is suppressed", "trial: contact is suppressed"])
        }
    }

    /// A reactivation step re-checks the contact: suppressed after it was scheduled, it sends
    /// nothing and starts no cycle; a flow's end-of-flow wait does not make a suppressed contact
    /// inactive (no cycle scheduled); `reactivation start` never picks a suppressed contact.
    @Test func noReactivationForASuppressedContact() async throws {
        try await ConsentHarness.with(contacts: ["r", "w", "i"]) { h in
            try await h.connection.query(
                """
                UPDATE \(h.schema.quoted).contacts SET campaign_status = 'inactive', status_changed_at = $1
                WHERE external_id IN ('r', 'i')
                """, [ConsentHarness.start.addingTimeInterval(-40 * 86_400)])
            try await h.connection.query(
                "UPDATE \(h.schema.quoted).contacts SET flow_sends_unanswered = 3 WHERE external_id = 'w'", [])
            let (r, w) = (try await h.id("r"), try await h.id("w"))
            try await enqueue(
                h,
                try NewJob(
                    kind: ReactivationStepJob.kind, encoding: ReactivationStepJob.Args(contactID: r, step: 1),
                    subject: "contact:\(r)"))
            _ = try await h.connection.withTransaction { [schema = h.schema] in
                try insertFlowRow(schema, on: $0)
            }
            try await enqueue(
                h,
                NewJob(
                    kind: FlowWaitEndJob.kind, args: PGJSON(#"{"flow": "fl", "contact_id": \#(w)}"#),
                    subject: "contact:\(w)"))
            try await h.suppressBehindTheEnginesBack("r")
            try await h.suppressBehindTheEnginesBack("w")
            try await h.drain()
            #expect(try await h.sends("r") == 0)
            #expect(try await h.count("SELECT 1 FROM \(h.schema.quoted).contacts WHERE reactivation_cycle > 0") == 0)
            #expect(try await h.state("w").status == "suppressed")
            #expect(try await h.count("SELECT 1 FROM \(h.schema.quoted).jobs WHERE kind = 'reactivation_step'") == 0)
            try await h.suppressBehindTheEnginesBack("i")
            let started = try await h.connection.withTransaction { [schema = h.schema] in
                try ReactivationLauncher(schema: schema).start(
                    segment: "retail", inactiveFor: 0, dryRun: false, on: $0)
            }
            #expect(started.contacts == 0, "only inactive contacts start a cycle")
        }
    }

    /// The administrator's suppress and unsuppress: audited with their text, the reason kept
    /// true, the same cancellation as an event's, and clear refusals.
    @Test func administratorSuppressAndUnsuppress() async throws {
        try await ConsentHarness.with(contacts: ["a", "c", "x"]) { h in
            _ = try await h.connection.withTransaction { [schema = h.schema] in
                try FlowStore(schema: schema).start(
                    FlowDefinition(name: "fl", segment: "retail", template: "w"), on: $0)
            }
            let consent = ContactConsent(schema: h.schema)
            func suppress(_ id: String, _ reason: String) async throws -> SuppressOutcome {
                try await h.connection.withTransaction { try consent.suppress(externalID: id, reason: reason, on: $0) }
            }
            func unsuppress(_ id: String, _ source: String) async throws -> String? {
                try await h.connection.withTransaction {
                    try consent.unsuppress(externalID: id, consentSource: source, on: $0)
                }
            }
            #expect(try await suppress("a", "asked by phone, ticket 42") == .suppressed(from: .active))
            #expect(try await h.state("a") == ("suppressed", "manual_suppression"))
            #expect(try await h.transitions("a") == ["active>suppressed:manual_suppression:asked by phone, ticket 42"])
            #expect(
                try await cancelled(h, "a") == [
                    "flow_step": "contact suppressed (manual_suppression): nothing more is sent to it"
                ])
            #expect(try await suppress("a", "again") == .alreadySuppressed(reason: "manual_suppression"))
            #expect(try await h.transitions("a").count == 1, "no row when nothing changes")

            try await h.event("c", "complaint")
            #expect(try await suppress("c", "double check") == .alreadySuppressed(reason: "complaint"))
            try await h.connection.query(
                """
                UPDATE \(h.schema.quoted).contacts SET campaign_status = 'suppressed', suppression_reason = 'reactivation_exhausted'
                WHERE external_id = 'x'
                """, [])
            #expect(try await suppress("x", "legal hold") == .reasonChanged(previous: "reactivation_exhausted"))
            #expect(try await h.transitions("x") == ["suppressed>suppressed:manual_suppression:legal hold"])
            #expect(try await h.state("x") == ("suppressed", "manual_suppression"))

            // Unsuppress lifts any reason, a complaint too, back to active on email.
            try await h.connection.query(
                "UPDATE \(h.schema.quoted).contacts SET channel = 'ads' WHERE external_id = 'c'", [])
            #expect(try await unsuppress("c", "signed consent form 2026-12-07") == "complaint")
            let row = try await h.connection.query(
                "SELECT campaign_status::text AS s, suppression_reason, channel FROM \(h.schema.quoted).contacts WHERE external_id = 'c'"
            ).first!
            #expect(try row.decode("s", as: String.self) == "active")
            #expect(try row.decode("suppression_reason", as: String?.self) == nil)
            #expect(try row.decode("channel", as: String.self) == "email")
            #expect(
                try await h.transitions("c").last
                    == "suppressed>active:manual_reinstatement:signed consent form 2026-12-07")

            await #expect(throws: ConsentError.notSuppressed("c", .active)) { _ = try await unsuppress("c", "again") }
            await #expect(throws: ConsentError.unknownContact("nobody")) { _ = try await suppress("nobody", "r") }
            await #expect(throws: ConsentError.unknownContact("nobody")) { _ = try await unsuppress("nobody", "r") }
            for bad in ["", "   ", "line\nbreak", "nul\u{0}", String(repeating: "é", count: 251)] {
                await #expect(throws: ConsentError.self) { _ = try await suppress("x", bad) }
                await #expect(throws: ConsentError.self) { _ = try await unsuppress("x", bad) }
            }
            #expect(try await h.transitions("x").count == 1, "a refusal writes nothing")
        }
    }
}

/// A flow row for jobs enqueued by hand (no enrolment).
private func insertFlowRow(_ schema: SchemaName, on connection: isolated PGConnection) throws {
    try connection.execute(
        """
        INSERT INTO \(schema.qualified("flows")) (name, segment, template, every_seconds, max_sends, created_at)
        VALUES ('fl', 'other', 'w', 86400, 3, now())
        """)
}

/// The issue's scenario at the engine's door: a flow over 1,000 contacts where 100 unsubscribe,
/// 50 hard-bounce and 20 complain mid-flow (in batches, as webhooks and the one-click route
/// record them): none of them receives another send, each has its audit row, and everyone else
/// continues.
@Suite struct ConsentFlowAtScaleTests {
    @Test func suppressedMidFlowGetNothingMoreAndTheRestContinue() async throws {
        let names = (1...1_000).map { "m\($0)" }
        try await ConsentHarness.with(contacts: names) { h in
            _ = try await h.connection.withTransaction { [schema = h.schema] in
                try FlowStore(schema: schema).start(
                    FlowDefinition(name: "fl", segment: "retail", template: "w", everySeconds: 86_400, maxSends: 3),
                    on: $0)
            }
            try await h.drain()
            #expect(try await h.count("SELECT 1 FROM \(h.schema.quoted).sends") == 1_000)
            let unsubscribed = names[0..<100], bounced = names[100..<150], complained = names[150..<170]
            try await h.batch(
                unsubscribed.map { ($0, "unsubscribe", "{}") } + bounced.map { ($0, "bounce", #"{"type": "hard"}"#) }
                    + complained.map { ($0, "complaint", "{}") })
            for day in [1.0, 2, 3] {
                try await h.at(day: day)
                try await h.drain()
            }
            let gone = Array(unsubscribed + bounced + complained)
            let sends = try await h.connection.query(
                """
                SELECT c.external_id, count(s.id)::int AS n FROM \(h.schema.quoted).contacts c
                LEFT JOIN \(h.schema.quoted).sends s ON s.contact_id = c.id GROUP BY c.external_id
                """
            ).rows.reduce(into: [String: Int]()) { $0[try $1.decode("external_id")] = try $1.decode("n") }
            #expect(gone.allSatisfy { sends[$0] == 1 }, "no send after the suppression")
            #expect(names[170...].allSatisfy { sends[$0] == 3 }, "everyone else continues")
            let audited = try await h.connection.query(
                """
                SELECT t.reason, count(*)::int AS n FROM \(h.schema.quoted).transitions t
                WHERE t.to_status = 'suppressed' AND t.event_id IS NOT NULL GROUP BY t.reason ORDER BY t.reason
                """
            ).rows.map { "\(try $0.decode("reason", as: String.self))=\(try $0.decode("n", as: Int.self))" }
            #expect(audited == ["complaint=20", "hard_bounce=50", "unsubscribed=100"])
            #expect(
                try await h.count(
                    "SELECT 1 FROM \(h.schema.quoted).finished_jobs WHERE state = 'cancelled' AND kind = 'flow_step'")
                    == 170)
        }
    }
}
