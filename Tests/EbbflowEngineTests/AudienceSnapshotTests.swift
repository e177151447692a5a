// Daily audience snapshots: one row per segment and status per day, idempotent, read back by history.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct AudienceSnapshotTests {
    @Test func snapshotsPerDayAndHistory() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            let (store, history) = (EventStore(schema: schema), AudienceHistory(schema: schema))
            try await connection.run { connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                for index in 0..<3 {
                    try store.upsertContact(
                        externalID: "c\(index)", email: nil, segment: "retail", now: start, on: connection)
                }
                try history.snapshot(now: start, on: connection)
                try history.snapshot(now: start, on: connection) // same day again: overwritten, not doubled
            }
            try await connection.execute(
                "UPDATE \(schema.quoted).contacts SET campaign_status = 'engaged' WHERE external_id = 'c0'")
            try await connection.run { connection in
                try DatabaseClock(schema: schema).advance(by: 86_400, on: connection)
                try history.snapshot(now: start.addingTimeInterval(86_400), on: connection)
            }
            let rows = try await connection.run { try history.history(days: 30, segment: nil, on: $0) }
            #expect(rows.map { "\($0.status.rawValue)=\($0.contacts)" } == ["active=3", "active=2", "engaged=1"])
            #expect(
                try await connection.query(
                    "SELECT name FROM \(schema.quoted).schedules WHERE kind = 'audience_snapshot'"
                ).count == 1)
        }
    }
}
