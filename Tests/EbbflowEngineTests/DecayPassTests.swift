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
                try connection.execute(
                    "UPDATE \(schema.quoted).contacts SET engagement_score = 40, last_engagement_at = $1", [start])
                // A contact with nothing to decay is never rewritten.
                try store.upsertContact(externalID: "never", email: nil, segment: "retail", now: start, on: connection)
            }
            let pass = DecayPass(schema: schema, batchSize: 1)
            for day in runs {
                let changed = try await connection.run { [days] in
                    try pass.runAll(now: days(day), policies: PolicyDocument(), on: $0).changed
                }
                #expect(changed == (day > 14 ? 1 : 0), "day \(day)")
            }
            try await connection.run { [days] in try DatabaseClock(schema: schema).set(days(44), on: $0) }
            let stored: Double = try await connection.query(
                "SELECT engagement_score FROM \(schema.quoted).contacts WHERE external_id = 'c'"
            ).first!.decode("engagement_score")
            let shown = try await connection.run {
                try ContactStore(schema: schema).show(externalID: "c", policies: PolicyDocument(), on: $0)
            }!.contact.engagementScore
            let report = try await EventImporter(schema: schema).importEvents(
                #"{"external_id": "c", "kind": "open"}"#, format: .ndjson, on: connection)
            #expect(report.applied == 1)
            let afterOpen: Double = try await connection.query(
                "SELECT engagement_score FROM \(schema.quoted).contacts WHERE external_id = 'c'"
            ).first!.decode("engagement_score")
            return (stored, shown, afterOpen)
        }
    }

    /// Issue 14 item 8: one contact last engaged in 1900 made the pass fail for everyone with
    /// `value out of range: underflow` (also the scheduled job). Its score reaches 0 cleanly, a
    /// row with an infinite time is left alone, and everyone else still decays. The scheduled job
    /// runs these same batches (`ContactPassJob`).
    @Test func ancientOrInfiniteRowsNeverFailThePass() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = EventStore(schema: schema)
            try await connection.run { [start] connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                for id in ["ancient", "infinite", "c"] {
                    try store.upsertContact(externalID: id, email: nil, segment: "retail", now: start, on: connection)
                }
                try connection.execute(
                    "UPDATE \(schema.quoted).contacts SET engagement_score = 40, last_engagement_at = $1", [start])
                try connection.execute(
                    """
                    UPDATE \(schema.quoted).contacts SET engagement_score = 1e300,
                           last_engagement_at = CASE external_id WHEN 'ancient' THEN timestamptz '1900-01-01 00:00:00+00' ELSE '-infinity' END
                    WHERE external_id <> 'c'
                    """)
            }
            let changed = try await connection.run { [days] in
                try DecayPass(schema: schema).runAll(now: days(44), policies: PolicyDocument(), on: $0).changed
            }
            #expect(changed == 2, "ancient and c")
            let scores = try await connection.query(
                "SELECT external_id, engagement_score FROM \(schema.quoted).contacts"
            ).rows
                .reduce(into: [String: Double]()) {
                    $0[try $1.decode("external_id")] = try $1.decode("engagement_score")
                }
            #expect(scores["ancient"] == 0, "\(scores)")
            #expect(scores["infinite"] == 1e300, "left alone: \(scores)")
            #expect(abs((scores["c"] ?? 0) - 20) < 1e-9, "\(scores)")
        }
    }

    @Test func dailyOrOnceGivesTwentyAfterFourteenPlusThirtyDays() async throws {
        let daily = try await storedScore(afterPassesOn: Array(stride(from: 1.0, through: 44, by: 1)))
        let once = try await storedScore(afterPassesOn: [44])
        let never = try await storedScore(afterPassesOn: [])
        #expect(
            abs(daily.stored - 20) < 1e-9 && abs(once.stored - 20) < 1e-9,
            "stored: daily \(daily.stored), once \(once.stored)")
        #expect(never.stored == 40, "without a pass the column keeps the score as of the last engagement")
        for run in [daily, once, never] {
            #expect(abs(run.shown - 20) < 1e-9, "readers decay to now whatever ran")
            #expect(abs(run.afterOpen - 25) < 1e-9, "an open adds 5 to the decayed score")
        }
    }
}
