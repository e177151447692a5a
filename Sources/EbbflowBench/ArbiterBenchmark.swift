// Arbitration at volume: an event that reaches every contact (a site-wide sale) with 10 streams to choose from.
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// Part of `ebbflow-bench engine --only arbiter`. The figure is decisions per second when one
/// `sale` event per contact is loaded with COPY and applied by the workers with 10 open streams
/// entered on `sale` stored: each application weighs the 10 streams for the contact in the
/// event's transaction and logs the decision. Next to it, in the same run: the same events
/// applied with no streams stored (what arbitration adds), and the floor: one statement doing
/// the same work for every contact (a draw per stream, the best draw chosen, as Thompson
/// sampling does while no stream has data; the membership, the decision log with the weighed
/// candidates, and the stream's first step job).
struct ArbiterBenchmark {
    let fixture: EngineFixture
    let workers: Int
    static let streamCount = 10

    /// Seconds to apply one `sale` event per contact, with or without the streams stored.
    func applySales(withStreams: Bool) async throws -> Double {
        try await fixture.reset()
        let schema = fixture.schema
        let streams = (0..<Self.streamCount).map {
            "  - {name: sale_\($0), entry: {event: sale}, steps: [{wait: 30d}, {send: sale_\($0)}]}"
        }
        try await fixture.connection.withTransaction { connection in
            try connection.execute("DELETE FROM \(schema.qualified("streams"))")
            try PolicyStore(schema: schema).save(
                Data(#"{"default": {"points": {"open": 5, "click": 10, "high_intent_visit": 15, "sale": 0}}}"#.utf8),
                on: connection)
            if withStreams {
                _ = try StreamStore(schema: schema).apply(
                    Data(("streams:\n" + streams.joined(separator: "\n")).utf8), on: connection)
            }
        }
        let contacts = fixture.contacts
        let when = ISO8601DateFormatter().string(from: EngineFixture.now)
        _ = try await fixture.connection.run { connection in
            try connection.copyIn(
                "COPY \(schema.qualified("engagement_events")) (contact_id, external_id, kind, occurred_at, received_at, source) FROM STDIN"
            ) { writer in
                for index in 0..<contacts {
                    try writer.appendRow(["\(index + 1)", "c\(index)", "sale", when, when, "bench"])
                }
            }
        }
        let started = ContinuousClock.now
        let running = try fixture.startWorkers(workers, drain: false)
        defer { fixture.stopWorkers(running) }
        while try await fixture.count(
            "SELECT count(*) AS n FROM \(schema.qualified("engagement_events")) WHERE applied_at IS NULL") > 0
        {
            try await Task.sleep(for: .milliseconds(20))
        }
        let elapsed = (ContinuousClock.now - started).seconds
        if withStreams {
            let decided = try await fixture.count("SELECT count(*) AS n FROM \(schema.qualified("stream_decisions"))")
            guard decided == contacts else { throw BenchError("\(decided) decisions for \(contacts) contacts") }
        }
        return elapsed
    }

    /// The floor: one statement choosing a random stream for every contact, with memberships and decisions.
    func floor() async throws -> Double {
        let schema = fixture.schema
        try await fixture.connection.withTransaction { connection in
            try connection.execute("DELETE FROM \(schema.qualified("stream_decisions"))")
            try connection.execute("DELETE FROM \(schema.qualified("stream_memberships"))")
            try connection.execute("DELETE FROM \(schema.qualified("jobs")) WHERE kind = 'stream_step'")
        }
        try await fixture.connection.simpleQuery("VACUUM \(schema.qualified("stream_memberships"))")
        try await fixture.connection.simpleQuery("CHECKPOINT")
        let started = ContinuousClock.now
        let placed = try await fixture.connection.execute(
            """
            WITH draws AS (
                SELECT c.id, s.name, s.version, random() AS draw
                FROM \(schema.qualified("contacts")) c CROSS JOIN \(schema.qualified("streams")) s
                WHERE s.definition -> 'entry' ->> 'event' = 'sale'
            ), weighed AS (
                SELECT id, (array_agg(name ORDER BY draw DESC))[1] AS name, (array_agg(version ORDER BY draw DESC))[1] AS version,
                       jsonb_agg(jsonb_build_object('stream', name, 'mean', 0.5, 'draw', draw)) AS candidates
                FROM draws GROUP BY id
            ), placed AS (
                INSERT INTO \(schema.qualified("stream_memberships")) (contact_id, stream, mode, entered_at, version)
                SELECT id, name, 'open', $1, version FROM weighed
                ON CONFLICT (contact_id) DO UPDATE SET stream = excluded.stream, version = excluded.version
                RETURNING contact_id, stream, entry
            ), started AS (
                INSERT INTO \(schema.qualified("jobs")) (state, queue, kind, args, run_at, created_at, subject)
                SELECT 'scheduled', 'default', 'stream_step', jsonb_build_object('stream', stream, 'contact_id', contact_id, 'step', 1, 'entry', entry),
                       $1::timestamptz + interval '30 days', $1, 'contact:' || contact_id
                FROM placed
            )
            INSERT INTO \(schema.qualified("stream_decisions")) (contact_id, trigger, chosen, reason, candidates, at)
            SELECT w.id, 'event:sale', w.name, 'sampled_estimate', w.candidates, $1 FROM weighed w
            """, [EngineFixture.now])
        guard placed == fixture.contacts else { throw BenchError("floor placed \(placed) of \(fixture.contacts)") }
        return (ContinuousClock.now - started).seconds
    }
}
