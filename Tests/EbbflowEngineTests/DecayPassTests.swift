// The decay pass against the real server: daily or once gives the same stored score, and events build on it.
import EbbflowCore
import EbbflowEngine
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct DecayPassTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    func days(_ n: Double) -> Date { start.addingTimeInterval(n * 86_400) }

    /// A contact scored 40 at `start`, silent since; the pass run at each of `runs` (days).
    func storedScore(afterPassesOn runs: [Double]) async throws -> (stored: Double, shown: Double, afterOpen: Double) {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = EventStore(schema: schema)
            try await connection.run { [start] connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                try store.upsertContact(externalID: "c", email: nil, segment: "retail", now: start, on: connection)
                try connection.execute("UPDATE \(schema.quoted).contacts SET engagement_score = 40, last_engagement_at = $1", [start])
                // A contact with nothing to decay is never rewritten.
                try store.upsertContact(externalID: "never", email: nil, segment: "retail", now: start, on: connection)
            }
            let pass = DecayPass(schema: schema, batchSize: 1)
            for day in runs {
                let changed = try await connection.run { [days] in try pass.runAll(now: days(day), policies: PolicyDocument(), on: $0).changed }
                #expect(changed == (day > 14 ? 1 : 0), "day \(day)")
            }
            try await connection.run { [days] in try DatabaseClock(schema: schema).set(days(44), on: $0) }
            let stored: Double = try await connection.query("SELECT engagement_score FROM \(schema.quoted).contacts WHERE external_id = 'c'").first!.decode("engagement_score")
            let shown = try await connection.run { try ContactStore(schema: schema).show(externalID: "c", policies: PolicyDocument(), on: $0) }!.contact.engagementScore
            let report = try await EventImporter(schema: schema).importEvents(#"{"external_id": "c", "kind": "open"}"#, format: .ndjson, on: connection)
            #expect(report.applied == 1)
            let afterOpen: Double = try await connection.query("SELECT engagement_score FROM \(schema.quoted).contacts WHERE external_id = 'c'").first!.decode("engagement_score")
            return (stored, shown, afterOpen)
        }
    }

    @Test func dailyOrOnceGivesTwentyAfterFourteenPlusThirtyDays() async throws {
        let daily = try await storedScore(afterPassesOn: Array(stride(from: 1.0, through: 44, by: 1)))
        let once = try await storedScore(afterPassesOn: [44])
        let never = try await storedScore(afterPassesOn: [])
        #expect(abs(daily.stored - 20) < 1e-9 && abs(once.stored - 20) < 1e-9, "stored: daily \(daily.stored), once \(once.stored)")
        #expect(never.stored == 40, "without a pass the column keeps the score as of the last engagement")
        for run in [daily, once, never] {
            #expect(abs(run.shown - 20) < 1e-9, "readers decay to now whatever ran")
            #expect(abs(run.afterOpen - 25) < 1e-9, "an open adds 5 to the decayed score")
        }
    }
}
