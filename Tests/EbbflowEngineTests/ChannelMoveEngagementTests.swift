// Engagement after the move to the alternative channel: back to email as reactivated by default, or stay, each with its audit trail.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

extension ReactivationCycleTests {
    /// Walks the silent contact through both emails to the move to ads (day 134), then records
    /// and applies one click in one transaction, as the importer does.
    func moveToAdsThenClick(
        _ connection: PGConnection, _ schema: SchemaName, day: @Sendable (Double) async throws -> Void
    ) async throws {
        for step in [120.0, 127, 134] { try await day(step) }
        let moved = try await connection.query("SELECT channel FROM \(schema.quoted).contacts").first!.decode(
            "channel", as: String.self)
        #expect(moved == "ads")
        let (store, applier) = (EventStore(schema: schema), EventApplier(schema: schema))
        let policies = try await connection.run { try PolicyStore(schema: schema).load(on: $0) }
        try await connection.withTransaction { connection in
            let now = try store.now(on: connection)
            guard
                case .stored(let id) = try store.record(
                    IncomingEvent(externalID: "quiet", kind: "click", providerEventID: "ad-click"),
                    now: now, on: connection)
            else { Issue.record("not stored"); return }
            _ = try applier.apply(eventID: id, policies: policies, now: now, on: connection)
        }
    }

    func trail(_ connection: PGConnection, _ schema: SchemaName) async throws -> [String] {
        try await connection.query(
            "SELECT from_status::text AS f, to_status::text AS t, reason, event_id IS NOT NULL AS by_event FROM \(schema.quoted).transitions ORDER BY id"
        ).rows.map {
            """
            \(try $0.decode("f", as: String.self))→\(try $0.decode("t", as: String.self)) \(try $0.decode("reason", as: String.self)) \
            event:\(try $0.decode("by_event", as: Bool.self))
            """
        }
    }

    /// Before: the click made the contact `reactivated` but left it on ads, so no flow or
    /// stream mailed it again (10,297 of 15,000 demo contacts ended there).
    @Test func engagementOnAdsReturnsTheContactToEmail() async throws {
        try await withInactiveContact { connection, schema, day in
            try await moveToAdsThenClick(connection, schema, day: day)
            let row = try await connection.query(
                "SELECT campaign_status::text AS s, channel FROM \(schema.quoted).contacts"
            ).first!
            #expect(try row.decode("s", as: String.self) == "reactivated")
            #expect(try row.decode("channel", as: String.self) == "email")
            #expect(
                try await trail(connection, schema) == [
                    "active→inactive silence event:false", "inactive→inactive moved_to_channel event:false",
                    "inactive→reactivated returned_to_email event:true",
                ])
            #expect(StateMachine.isLegal(from: .inactive, to: .reactivated, reason: .returnedToEmail))
        }
    }

    @Test func stayPolicyKeepsTheContactOnAds() async throws {
        try await withInactiveContact { connection, schema, day in
            _ = try await connection.run {
                try PolicyStore(schema: schema).save(
                    Data(#"{"default": {"on_engagement_after_channel_move": "stay"}}"#.utf8), on: $0)
            }
            try await moveToAdsThenClick(connection, schema, day: day)
            let row = try await connection.query(
                "SELECT campaign_status::text AS s, channel, engagement_score FROM \(schema.quoted).contacts"
            ).first!
            #expect(try row.decode("s", as: String.self) == "inactive")
            #expect(try row.decode("channel", as: String.self) == "ads")
            #expect(try row.decode("engagement_score", as: Double.self) == 10, "the click still counts")
            #expect(
                try await trail(connection, schema) == [
                    "active→inactive silence event:false", "inactive→inactive moved_to_channel event:false",
                ])
        }
    }
}
