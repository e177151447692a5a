// A contact suppressed by any path has its pending and failed sends cancelled in that transaction; leased and sent stay.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@testable import EbbflowQueue

@Suite struct SuppressedSendsTests {
    /// Gives `contact` one send in each state a suppression may meet, decided at the harness's start.
    func sendsInEveryState(_ h: ConsentHarness, _ contact: String) async throws {
        try await h.connection.query(
            """
            INSERT INTO \(h.schema.quoted).sends (contact_id, flow, step, template, channel, at, state,
                                                  lease_token, lease_expires_at, attempts)
            SELECT c.id, 'f', s.step, 't', 'email', $2, s.state,
                   CASE WHEN s.state = 'leased' THEN gen_random_uuid() END,
                   CASE WHEN s.state = 'leased' THEN $2::timestamptz + interval '1 hour' END,
                   CASE WHEN s.state = 'pending' THEN 0 ELSE 1 END
            FROM \(h.schema.quoted).contacts c,
                 (VALUES (1, 'pending'), (2, 'failed'), (3, 'leased'), (4, 'sent')) AS s(step, state)
            WHERE c.external_id = $1
            """, [contact, ConsentHarness.start])
    }

    /// The contact's sends by step: "state[:cancel_reason[:finished_at]]", finished_at as days after the start.
    func states(_ h: ConsentHarness, _ contact: String) async throws -> [String] {
        try await h.connection.query(
            """
            SELECT s.state, s.cancel_reason, s.finished_at FROM \(h.schema.quoted).sends s
            JOIN \(h.schema.quoted).contacts c ON c.id = s.contact_id WHERE c.external_id = $1 ORDER BY s.step
            """, [contact]
        ).rows.map { row in
            let state: String = try row.decode("state")
            guard let reason: String = try row.decode("cancel_reason") else { return state }
            let finished: Date? = try row.decode("finished_at")
            let days = finished.map { $0.timeIntervalSince(ConsentHarness.start) / 86_400 }
            return "\(state):\(reason):\(days.map { String($0) } ?? "nil")"
        }
    }

    static let afterSuppression = ["cancelled:suppressed:2.0", "cancelled:suppressed:2.0", "leased", "sent"]
    static let untouched = ["pending", "failed", "leased", "sent"]

    @Test func everySuppressingEventCancelsTheContactsWaitingSends() async throws {
        let names = ["unsubscribed", "complained", "bounced", "opened"]
        try await ConsentHarness.with(contacts: names) { h in
            for name in names { try await sendsInEveryState(h, name) }
            try await h.at(day: 2)
            try await h.batch([
                ("unsubscribed", "unsubscribe", "{}"), ("complained", "complaint", "{}"),
                ("bounced", "bounce", #"{"type": "hard"}"#), ("opened", "open", "{}"),
            ])
            for name in ["unsubscribed", "complained", "bounced"] {
                #expect(try await h.state(name).status == "suppressed")
                #expect(try await states(h, name) == Self.afterSuppression, "\(name)")
            }
            #expect(try await states(h, "opened") == Self.untouched, "a contact not suppressed keeps its sends")
        }
    }

    @Test func anAdministratorsSuppressionCancelsTheContactsWaitingSends() async throws {
        try await ConsentHarness.with(contacts: ["m", "other"]) { h in
            for name in ["m", "other"] { try await sendsInEveryState(h, name) }
            try await h.at(day: 2)
            _ = try await h.connection.withTransaction { [schema = h.schema] in
                try ContactConsent(schema: schema).suppress(externalID: "m", reason: "asked by phone", on: $0)
            }
            #expect(try await states(h, "m") == Self.afterSuppression)
            #expect(try await states(h, "other") == Self.untouched)
        }
    }

    @Test func theEndOfAReactivationCycleCancelsTheContactsWaitingSends() async throws {
        try await ConsentHarness.with(
            contacts: ["gave-up", "other"], policy: #"{"default": {"after_reactivation": "suppress"}}"#
        ) { h in
            for name in ["gave-up", "other"] { try await sendsInEveryState(h, name) }
            try await h.connection.query(
                "UPDATE \(h.schema.quoted).contacts SET campaign_status = 'inactive' WHERE external_id = 'gave-up'", [])
            try await h.at(day: 2)
            let id = try await h.id("gave-up")
            _ = try await h.connection.withTransaction { [schema = h.schema] in
                try JobStore(schema: schema).enqueue(
                    try NewJob(
                        kind: ReactivationStepJob.kind, encoding: ReactivationStepJob.Args(contactID: id, step: 3),
                        subject: "contact:\(id)"), on: $0)
            }
            try await h.drain()
            #expect(try await h.state("gave-up").reason == "reactivation_exhausted")
            #expect(try await states(h, "gave-up") == Self.afterSuppression)
            #expect(try await states(h, "other") == Self.untouched)
        }
    }

    @Test func forgettingAndImportingAsSuppressedCancelTheContactsWaitingSends() async throws {
        try await ConsentHarness.with(contacts: ["forgotten", "imported", "other"]) { h in
            for name in ["forgotten", "imported", "other"] { try await sendsInEveryState(h, name) }
            try await h.at(day: 2)
            let forgottenID = try await h.id("forgotten")
            _ = try await ContactForgetting(schema: h.schema).forget(
                externalID: "forgotten", via: "test", on: h.connection)
            let report = try await ContactImporter(schema: h.schema).importContacts(
                "external_id,campaign_status\nimported,suppressed\nother,active\n", format: .csv, on: h.connection)
            #expect(report.statusChanges == 1 && report.rejected.isEmpty)
            let forgotten = try await h.connection.query(
                "SELECT external_id FROM \(h.schema.quoted).contacts WHERE id = $1", [forgottenID]
            ).first!.decode("external_id", as: String.self)
            #expect(try await states(h, forgotten) == Self.afterSuppression)
            #expect(try await states(h, "imported") == Self.afterSuppression)
            #expect(try await states(h, "other") == Self.untouched)
        }
    }
}
