// The outbox on the Workers page: capped counts by state, due ages in buckets, the latest dead and failed sends.
import EbbflowCore
import EbbflowEngine
import EbbflowQueue
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct OutboxBrowseTests {
    @Test func countsAreCappedAgesBucketedAndFailuresListed() async throws {
        try await MigratedSchema.with { connection, schema in
            try await OutboxSeed.pendingSends(8, schema: schema.quoted, dueSecondsAgo: 30, on: connection)
            let sends = "\(schema.quoted).sends"
            // Sends 1-2 due hours ago, 3 two days ago, 4 not due yet, 5 dead, 6 failed, 7 an expired lease.
            try await connection.simpleQuery(
                """
                UPDATE \(sends) SET at = \(schema.quoted).clock_now() - interval '2 hours' WHERE id IN (1, 2);
                UPDATE \(sends) SET at = \(schema.quoted).clock_now() - interval '2 days' WHERE id = 3;
                UPDATE \(sends) SET at = \(schema.quoted).clock_now() + interval '1 hour' WHERE id = 4;
                UPDATE \(sends) SET state = 'dead', attempts = 5, last_error = '550 no such user', finished_at = now() WHERE id = 5;
                UPDATE \(sends) SET state = 'failed', attempts = 1, last_error = '421 try later' WHERE id = 6;
                UPDATE \(sends) SET state = 'leased', attempts = 1, lease_expires_at = \(schema.quoted).clock_now() - interval '10 seconds',
                    leased_at = \(schema.quoted).clock_now() - interval '1 minute', lease_token = gen_random_uuid() WHERE id = 7;
                """)
            let browse = OutboxBrowse(schema: schema)
            let snapshot = try await connection.run { try browse.read(on: $0) }
            #expect(snapshot.byState["pending"] == CappedCount(value: 5, capped: false)) // 1, 2, 3, 4, 8
            #expect(snapshot.byState["failed"] == CappedCount(value: 1, capped: false))
            #expect(snapshot.byState["expired"] == CappedCount(value: 1, capped: false))
            #expect(snapshot.byState["leased"] == CappedCount(value: 0, capped: false))
            #expect(snapshot.byState["dead"] == CappedCount(value: 1, capped: false))
            // Due: 8 (30 s) and 7 (10 s) under a minute, 6 (30 s) too; 1, 2 under a day; 3 older; 4 not due.
            #expect(
                snapshot.dueAges == OutboxDueAges(underMinute: 3, underHour: 0, underDay: 2, older: 1, capped: false))
            #expect((snapshot.oldestDueSeconds ?? 0) >= 2 * 86_400)
            #expect(snapshot.recentDead.map(\.id) == [5] && snapshot.recentDead[0].lastError == "550 no such user")
            #expect(snapshot.recentFailed.map(\.id) == [6] && snapshot.recentFailed[0].externalID == "c-6")
            // Capped at 2: pending says 2+, and the ages are read among the oldest two open sends.
            let capped = try await connection.run { try browse.read(cap: 2, on: $0) }
            #expect(capped.byState["pending"] == CappedCount(value: 2, capped: true))
            #expect(capped.dueAges.capped && capped.dueAges.underDay == 2)
            await #expect(throws: BoundError.self) { try await connection.run { _ = try browse.read(cap: 0, on: $0) } }
        }
    }
}
