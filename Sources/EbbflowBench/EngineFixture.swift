// Generated contacts and events in a fresh simulation schema, and real worker processes on it.
import EbbflowCore
import Foundation
import Logging
import PostgresClient

/// One schema for the engine benchmarks: contacts loaded with COPY, a frozen database clock,
/// and helpers to put the generated state back between measurements.
///
/// Contact `i` (id `i + 1`): the first `flowContacts` are in segment `promo` (the flow-step
/// measurement enrolls them), the rest alternate `b2b` and `retail`. Even `i` last engaged
/// 100 days before the clock (the inactivity sweep moves them; the decay pass halves and more),
/// odd `i` 10 days before (left alone by both). Every score starts at 10.
struct EngineFixture: Sendable {
    static let now = Date(timeIntervalSince1970: 1_800_000_000) // 2027-01-15 08:00 UTC
    static let old = "2026-10-07 08:00:00+00", recent = "2027-01-05 08:00:00+00"

    let database: PGConfiguration
    let ebbflowBin: String
    let schema: SchemaName
    let connection: PGConnection
    let contacts: Int
    let flowContacts: Int

    static func make(database: PGConfiguration, ebbflowBin: String, contacts: Int, flowContacts: Int) async throws
        -> EngineFixture
    {
        let schema = try SchemaName("bench_engine_\(UUID().uuidString.prefix(6).lowercased())")
        let connection = try await PGConnection.connect(database)
        var logger = Logger(label: "bench")
        logger.logLevel = .warning
        _ = try await Migrator(schema: schema, logger: logger).migrate(on: connection, simulation: true)
        try await connection.run { try DatabaseClock(schema: schema).set(now, on: $0) }
        // The benchmark runs each pass itself: the installed daily schedules must not run them too.
        try await connection.execute("UPDATE \(schema.qualified("schedules")) SET enabled = false")
        let started = ContinuousClock.now
        try await connection.run { connection in
            try connection.copyIn(
                """
                COPY \(schema.qualified("contacts")) (external_id, email, segment, last_engagement_at, engagement_score, \
                status_changed_at, created_at) FROM STDIN
                """
            ) { writer in
                let created = "2026-01-01 00:00:00+00"
                for index in 0..<contacts {
                    let segment = index < flowContacts ? "promo" : (index % 2 == 0 ? "b2b" : "retail")
                    try writer.appendRow([
                        "c\(index)", "c\(index)@example.com", segment, index % 2 == 0 ? old : recent, "10", created,
                        created,
                    ])
                }
            }
            try connection.simpleQuery("VACUUM ANALYZE \(schema.qualified("contacts"))")
        }
        progress("loaded \(contacts) contacts in \(ContinuousClock.now - started)")
        return EngineFixture(
            database: database, ebbflowBin: ebbflowBin, schema: schema, connection: connection,
            contacts: contacts, flowContacts: flowContacts)
    }

    func drop() async throws {
        try await connection.simpleQuery("DROP SCHEMA \(schema.quoted) CASCADE")
    }

    /// Back to the generated state: no events, transitions, jobs or sends, every contact as
    /// loaded, no dead rows, a clean checkpoint. Only rows that differ are written.
    func reset() async throws {
        let contactsTable = schema.qualified("contacts")
        for statement in [
            """
            TRUNCATE \(schema.qualified("transitions")), \(schema.qualified("sends")), \(schema.qualified("flow_skips")), \
            \(schema.qualified("flows")), \(schema.qualified("engagement_events")), \(schema.qualified("jobs")), \
            \(schema.qualified("stream_decisions")), \(schema.qualified("stream_memberships")), \(schema.qualified("stream_outcomes")), \
            \(schema.qualified("tracked_links"))
            """,
            """
            UPDATE \(contactsTable) c SET campaign_status = 'active', engagement_score = 10, score_as_of = NULL, flow_sends_unanswered = 0,
                last_engagement_at = x.expected, status_changed_at = '2026-01-01 00:00:00+00'
            FROM (SELECT id, CASE WHEN id % 2 = 1 THEN '\(Self.old)'::timestamptz ELSE '\(Self.recent)'::timestamptz END AS expected FROM \(contactsTable)) x
            WHERE c.id = x.id AND (c.campaign_status <> 'active' OR c.engagement_score <> 10 OR c.score_as_of IS NOT NULL
                OR c.flow_sends_unanswered <> 0 OR c.last_engagement_at IS DISTINCT FROM x.expected)
            """,
            "VACUUM ANALYZE \(contactsTable)", "CHECKPOINT",
        ] {
            try await connection.simpleQuery(statement)
        }
    }

    /// `count` events on pseudo-random contacts (open, click, high-intent visit) in one COPY:
    /// the insert trigger turns them into `apply_events` jobs, one per 1,000 ids.
    func copyEvents(_ count: Int, seed: UInt64) async throws {
        let contacts = self.contacts
        let when = ISO8601DateFormatter().string(from: Self.now)
        _ = try await connection.run { connection in
            try connection.copyIn(
                "COPY \(schema.qualified("engagement_events")) (contact_id, external_id, kind, occurred_at, received_at, source) FROM STDIN"
            ) { writer in
                var random = BenchRandom(seed: seed)
                for _ in 0..<count {
                    let index = Int(random.next() % UInt64(contacts))
                    try writer.appendRow(["\(index + 1)", "c\(index)", random.eventKind(), when, when, "bench"])
                }
            }
        }
    }

    /// Starts `count` real `ebbflow worker` processes on this schema.
    func startWorkers(_ count: Int, drain: Bool, concurrency: Int = 10) throws -> [Process] {
        try (0..<count).map { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: ebbflowBin)
            process.arguments =
                [
                    "worker", "--concurrency", "\(concurrency)", "--schema", schema.name, "--database-url",
                    database.conninfo,
                    "--log-level", "error", "--completed-retention", "0",
                ] + (drain ? ["--drain", "--no-listen"] : [])
            try process.run()
            return process
        }
    }

    /// Waits for draining workers to finish; throws unless every one exited 0.
    func waitForDrain(_ workers: [Process]) throws {
        for worker in workers { worker.waitUntilExit() }
        guard workers.allSatisfy({ $0.terminationStatus == 0 }) else { throw BenchError("a worker process failed") }
    }

    /// Stops listening workers with SIGTERM (their graceful shutdown) and waits for them.
    func stopWorkers(_ workers: [Process]) {
        for worker in workers where worker.isRunning { worker.terminate() }
        for worker in workers { worker.waitUntilExit() }
    }

    func count(_ sql: String) async throws -> Int {
        try await connection.query(sql).first!.decode("n", as: Int.self)
    }
}

/// A small deterministic generator (splitmix64), so every run loads the same events.
struct BenchRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// 60 % opens, 30 % clicks, 10 % high-intent visits.
    mutating func eventKind() -> String {
        switch next() % 10 {
        case 0..<6: "open"
        case 6..<9: "click"
        default: "high_intent_visit"
        }
    }
}

func progress(_ line: String) {
    FileHandle.standardError.write(Data("\(line)\n".utf8))
}
