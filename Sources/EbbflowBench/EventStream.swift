// A steady stream of inserted events, and the time each takes to be applied and visible.
import EbbflowCore
import Foundation
import PostgresClient

/// Inserts events as another system would (one multi-row INSERT every 10 ms, so the insert
/// trigger makes `apply_events` jobs and NOTIFY wakes the workers) and times each event from
/// just before its INSERT is sent until its application has committed.
///
/// How "applied" is observed without polling: a benchmark-only statement trigger on the
/// events' applied marks sends their ids with `pg_notify`, which PostgreSQL delivers at
/// commit, so a listener sees an event exactly when its new status became visible. The
/// trigger adds one small statement to each applying transaction; production has no such
/// trigger.
struct EventStream {
    let fixture: EngineFixture

    static func installProbe(_ fixture: EngineFixture) async throws {
        let schema = fixture.schema
        try await fixture.connection.simpleQuery(
            """
            CREATE FUNCTION \(schema.qualified("bench_applied_probe"))() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE ids text;
            BEGIN
                FOR ids IN SELECT string_agg(id::text, ',') FROM new_rows WHERE applied_at IS NOT NULL GROUP BY id / 500 LOOP
                    PERFORM pg_notify('\(schema.name)_applied', ids);
                END LOOP;
                RETURN NULL;
            END $$;
            CREATE TRIGGER bench_applied_probe AFTER UPDATE ON \(schema.qualified("engagement_events"))
                REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION \(schema.qualified("bench_applied_probe"))();
            """)
    }

    struct Result {
        var sent: Int
        var applied: Int
        /// Milliseconds from INSERT sent to application visible, one per applied event.
        var latencies: [Double]
        func percentile(_ p: Double) -> Double {
            let sorted = latencies.sorted()
            return sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
        }
    }

    /// Streams `perSecond` events until `stop` is set (or `seconds` pass), then waits up to
    /// 10 s for the last ones to be applied.
    func run(perSecond: Int, seconds: Double, seed: UInt64, stop: StopFlag = StopFlag()) async throws -> Result {
        let schema = fixture.schema
        let listener = try await PGConnection.connect(fixture.database)
        try await listener.listen("\(schema.name)_applied")
        let producer = try await PGConnection.connect(fixture.database)
        let done = StopFlag()
        let listening = Task { () -> [Int64: ContinuousClock.Instant] in
            var seen: [Int64: ContinuousClock.Instant] = [:]
            while !done.isSet {
                let notes = (try? await listener.waitForNotifications(timeout: .milliseconds(50))) ?? []
                let at = ContinuousClock.now
                for note in notes {
                    for id in note.payload.split(separator: ",") { if let id = Int64(id) { seen[id] = at } }
                }
            }
            return seen
        }
        let insert = """
            INSERT INTO \(schema.qualified("engagement_events")) (contact_id, external_id, kind, occurred_at, received_at, source)
            SELECT u.contact, 'c' || (u.contact - 1), u.kind, $3, $3, 'bench' FROM unnest($1::int8[], $2::text[]) AS u(contact, kind)
            RETURNING id
            """
        let tick = Duration.milliseconds(10)
        let perTick = max(1, perSecond / 100)
        var random = BenchRandom(seed: seed)
        var sentAt: [Int64: ContinuousClock.Instant] = [:]
        let started = ContinuousClock.now
        var ticks = 0
        while !stop.isSet, ContinuousClock.now - started < .seconds(seconds) {
            let contactIDs = (0..<perTick).map { _ in Int64(random.next() % UInt64(fixture.contacts)) + 1 }
            let kinds = (0..<perTick).map { _ in random.eventKind() }
            let sent = ContinuousClock.now
            let ids: [Int64] = try await producer.query(insert, [contactIDs, kinds, EngineFixture.now]).rows.map {
                try $0.decode("id")
            }
            for id in ids { sentAt[id] = sent }
            ticks += 1
            try await Task.sleep(until: started + tick * ticks, clock: .continuous)
        }
        let waitStarted = ContinuousClock.now
        while ContinuousClock.now - waitStarted < .seconds(10) {
            let applied = try await fixture.count(
                "SELECT count(*) AS n FROM \(schema.qualified("engagement_events")) WHERE source = 'bench' AND applied_at IS NULL AND contact_id IS NOT NULL"
            )
            if applied == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .milliseconds(200))
        done.set()
        let seen = await listening.value
        var latencies: [Double] = []
        latencies.reserveCapacity(sentAt.count)
        for (id, sent) in sentAt {
            if let at = seen[id] { latencies.append((at - sent).seconds * 1000) }
        }
        return Result(sent: sentAt.count, applied: latencies.count, latencies: latencies)
    }
}

/// A flag one task sets and others read.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
