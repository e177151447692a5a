// The channel follows the status: a reinstated contact is on email again, and an engagement dated before the move is no answer on the new channel.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

extension ReactivationCycleTests {
    /// Before: a contact moved to ads, then suppressed and reinstated by a contact import
    /// (manual_reinstatement), stayed on ads while active, so no flow or stream mailed it again.
    @Test func reinstatementByImportReturnsTheContactToEmail() async throws {
        try await withInactiveContact { connection, schema, day in
            for step in [120.0, 127, 134] { try await day(step) }
            let importer = ContactImporter(schema: schema)
            _ = try await importer.importContacts(
                "external_id,campaign_status\nquiet,suppressed\n", format: .csv, on: connection)
            _ = try await importer.importContacts(
                "external_id,campaign_status,consent_source\nquiet,active,phone call\n", format: .csv, on: connection)
            let row = try await connection.query(
                "SELECT campaign_status::text AS s, channel FROM \(schema.quoted).contacts"
            ).first!
            #expect(try row.decode("s", as: String.self) == "active")
            #expect(try row.decode("channel", as: String.self) == "email")
            #expect(
                try await trail(connection, schema).suffix(2) == [
                    "inactive→suppressed manual_suppression event:false",
                    "suppressed→active manual_reinstatement event:false",
                ])
            #expect(StateMachine.channel(from: .suppressed, to: .active, current: "ads") == "email")
            #expect(StateMachine.channel(from: .inactive, to: .inactive, current: "ads") == "ads")
        }
    }

    /// A late webhook or a backfill: a click dated before the move is counted but does not
    /// return the contact to email, since it was no answer on the alternative channel.
    @Test func anEngagementDatedBeforeTheMoveDoesNotReturnToEmail() async throws {
        try await withInactiveContact { connection, schema, day in
            for step in [120.0, 127, 134] { try await day(step) }
            let (store, applier) = (EventStore(schema: schema), EventApplier(schema: schema))
            let policies = try await connection.run { try PolicyStore(schema: schema).load(on: $0) }
            try await connection.withTransaction { connection in
                let now = try store.now(on: connection)
                let before = now.addingTimeInterval(-3 * 86_400)
                guard
                    case .stored(let id) = try store.record(
                        IncomingEvent(
                            externalID: "quiet", kind: "click", occurredAt: before,
                            providerEventID: "late-click"), now: now, on: connection)
                else {
                    Issue.record("not stored"); return
                }
                _ = try applier.apply(eventID: id, policies: policies, now: now, on: connection)
            }
            let row = try await connection.query(
                "SELECT campaign_status::text AS s, channel, engagement_score FROM \(schema.quoted).contacts"
            ).first!
            #expect(try row.decode("s", as: String.self) == "inactive")
            #expect(try row.decode("channel", as: String.self) == "ads")
            #expect(try row.decode("engagement_score", as: Double.self) > 0, "the click still counts")
            #expect(
                try await trail(connection, schema) == [
                    "active→inactive silence event:false", "inactive→inactive moved_to_channel event:false",
                ])
        }
    }
}
