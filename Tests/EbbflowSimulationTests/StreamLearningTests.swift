// The arbiter learns from goals through the database: over simulated days, the stream that truly converts better gets the decisions.
// In the simulation suite, which scripts/test runs apart from the server-restart test: it takes tens of seconds.
import EbbflowCore
import EbbflowEngine
import EbbflowQueue
import EbbflowSimulation
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct StreamLearningTests {
    /// Two open streams entered on a page visit, whose sends truly lead to a purchase within
    /// the goal window 8 % and 2 % of the time. 100 new contacts visit each day for 60 days;
    /// over the last 30 days more than 80 % of the decisions go to the better stream, and every
    /// decision in the log names both candidates with their estimates.
    @Test func betterStreamGetsMostLateDecisions() async throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let streams = """
            streams:
              - {name: good, entry: {event: page_visit}, steps: [{send: good_1}], goal: {event: purchase, within: 7d}}
              - {name: poor, entry: {event: page_visit}, steps: [{send: poor_1}], goal: {event: purchase, within: 7d}}
            """
        try await MigratedSchema.with(simulation: true) { connection, schema in
            let store = EventStore(schema: schema), applier = EventApplier(schema: schema)
            try await connection.withTransaction { connection in
                try DatabaseClock(schema: schema).set(start, on: connection)
                try PolicyStore(schema: schema).save(
                    Data(#"{"default": {"points": {"open": 5, "click": 10, "page_visit": 1, "purchase": 0}}}"#.utf8),
                    on: connection)
                _ = try StreamStore(schema: schema).apply(Data(streams.utf8), on: connection)
            }
            var registry = JobRegistry.builtins()
            registry.registerEngine(schema: schema)
            var generator = SeededRandom(seed: 99)
            for day in 0..<60 {
                let now = start.addingTimeInterval(Double(day) * 86_400)
                let names = (0..<100).map { "d\(day)c\($0)" }
                try await connection.withTransaction { connection in
                    try DatabaseClock(schema: schema).set(now, on: connection)
                    for name in names {
                        _ = try store.upsertContact(
                            externalID: name, email: nil, segment: "retail", now: now, on: connection)
                    }
                    let stored = try store.record(
                        names.map {
                            IncomingEvent(
                                externalID: $0, kind: "page_visit", occurredAt: now, providerEventID: "v-\($0)")
                        },
                        now: now, on: connection)
                    try applier.apply(
                        eventIDs: stored.map(\.id), policies: try PolicyStore(schema: schema).load(on: connection),
                        now: now, on: connection)
                }
                try await QueueWorker(
                    database: try TestDatabase.configuration, schema: schema, registry: registry,
                    configuration: WorkerConfiguration(listen: false, drain: true), logger: QuietLogger.logger
                ).run()
                // The day's stream sends become purchases a few hours later, by each stream's true rate.
                let sent = try await connection.query(
                    """
                    SELECT c.external_id, s.flow FROM \(schema.quoted).sends s JOIN \(schema.quoted).contacts c ON c.id = s.contact_id WHERE s.at = $1
                    """, [now]
                ).rows.map { (try $0.decode("external_id", as: String.self), try $0.decode("flow", as: String.self)) }
                let buyers = sent.filter { _, stream in
                    Double.random(in: 0..<1, using: &generator) < (stream == "good" ? 0.08 : 0.02)
                }.map(\.0)
                let later = now.addingTimeInterval(6 * 3_600)
                try await connection.withTransaction { connection in
                    try DatabaseClock(schema: schema).set(later, on: connection)
                    let stored = try store.record(
                        buyers.map {
                            IncomingEvent(
                                externalID: $0, kind: "purchase", occurredAt: later, providerEventID: "p-\($0)")
                        },
                        now: later, on: connection)
                    try applier.apply(
                        eventIDs: stored.map(\.id), policies: try PolicyStore(schema: schema).load(on: connection),
                        now: later, on: connection)
                }
            }
            let late = try await connection.query(
                """
                SELECT count(*) FILTER (WHERE chosen = 'good') AS good, count(*) AS total FROM \(schema.quoted).stream_decisions
                WHERE trigger = 'event:page_visit' AND at >= $1
                """, [start.addingTimeInterval(30 * 86_400)]
            ).first!
            let good: Int = try late.decode("good"), total: Int = try late.decode("total")
            #expect(total == 3_000)
            #expect(Double(good) / Double(total) > 0.8, "\(good) of \(total) late decisions went to the better stream")
            let unexplained = try await MigratedSchema.count(
                connection,
                """
                SELECT 1 FROM \(schema.quoted).stream_decisions WHERE trigger = 'event:page_visit' AND jsonb_array_length(candidates) <> 2
                """)
            #expect(unexplained == 0, "every decision logs both candidates")
        }
    }
}
