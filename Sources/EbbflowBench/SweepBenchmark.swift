// The inactivity sweep over many contacts, next to the single UPDATE doing the same work (the floor).
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation
import Logging
import PostgresClient

struct SweepBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep", abstract: "Batched inactivity sweep vs one UPDATE, on generated contacts.")

    @Option(help: "PostgreSQL URL (default: $DATABASE_URL).") var databaseURL: String?
    @Option(help: "Contacts to generate.") var contacts = 1_000_000
    @Option(help: "Contacts per sweep transaction.") var batchSize = 10_000
    @Option(help: "Repetitions (medians reported).") var reps = 3

    /// Same starting state for each measurement: no transitions, no dead rows, a clean checkpoint.
    private func settle(_ connection: PGConnection, _ schema: SchemaName) async throws {
        for statement in ["TRUNCATE \(schema.qualified("transitions"))", "VACUUM \(schema.qualified("contacts"))", "CHECKPOINT"] {
            try await connection.simpleQuery(statement)
        }
    }

    func run() async throws {
        let database = PGConfiguration.resolve(explicit: databaseURL)
        let schema = try SchemaName("bench_sweep_\(UUID().uuidString.prefix(6).lowercased())")
        let connection = try await PGConnection.connect(database)
        _ = try await Migrator(schema: schema, logger: Logger(label: "bench")).migrate(on: connection, simulation: true)
        defer { Task { try? await connection.simpleQuery("DROP SCHEMA \(schema.quoted) CASCADE") } }
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try await connection.run { try DatabaseClock(schema: schema).set(now, on: $0) }
        // Half the contacts last engaged 100 days ago (they go inactive), half 10 days ago.
        let count = contacts
        let loadStarted = ContinuousClock.now
        try await connection.run { connection in
            try connection.copyIn("COPY \(schema.qualified("contacts")) (external_id, email, segment, last_engagement_at, engagement_score, status_changed_at, created_at) FROM STDIN") { writer in
                let old = "2026-10-07 08:00:00+00", recent = "2027-01-05 08:00:00+00", created = "2026-01-01 00:00:00+00"
                for index in 0..<count {
                    try writer.appendRow(["c\(index)", "c\(index)@example.com", index % 3 == 0 ? "b2b" : "retail",
                                          index % 2 == 0 ? old : recent, "10", created, created])
                }
            }
            try connection.simpleQuery("VACUUM ANALYZE \(schema.qualified("contacts"))")
        }
        FileHandle.standardError.write(Data("loaded \(count) contacts in \((ContinuousClock.now - loadStarted))\n".utf8))
        let sweep = InactivitySweep(schema: schema, batchSize: batchSize)
        let reset = "UPDATE \(schema.qualified("contacts")) SET campaign_status = 'active' WHERE campaign_status = 'inactive'"
        let floor = """
            WITH moved AS (
                UPDATE \(schema.qualified("contacts")) c SET campaign_status = 'inactive', status_changed_at = $1, flow_sends_unanswered = 0
                WHERE c.campaign_status IN ('active', 'engaged', 'reactivated')
                  AND coalesce(c.last_engagement_at, c.status_changed_at) <= $1::timestamptz - make_interval(days => 90)
                RETURNING c.id
            )
            INSERT INTO \(schema.qualified("transitions")) (contact_id, from_status, to_status, reason, at)
            SELECT id, 'active', 'inactive', 'silence', $1 FROM moved
            """
        var batched: [Double] = [], single: [Double] = []
        var movedBatched = 0, movedSingle = 0
        for _ in 0..<reps {
            try await connection.simpleQuery(reset)
            try await settle(connection, schema)
            var started = ContinuousClock.now
            movedBatched = try await connection.run { try sweep.runAll(now: now, policies: PolicyDocument(), on: $0).changed }
            batched.append((ContinuousClock.now - started).seconds)
            try await connection.simpleQuery(reset)
            try await settle(connection, schema)
            started = ContinuousClock.now
            movedSingle = try await connection.execute(floor, [now])
            single.append((ContinuousClock.now - started).seconds)
        }
        guard movedBatched == movedSingle else { throw BenchError("batched moved \(movedBatched), single moved \(movedSingle)") }
        print("| \(count) contacts, \(movedBatched) made inactive | median s | min – max s |")
        print("|---|---:|---:|")
        print("| batched sweep (\(batchSize) a transaction, SKIP LOCKED, transitions) | \(String(format: "%.2f", median(batched))) | \(String(format: "%.2f", batched.min()!)) – \(String(format: "%.2f", batched.max()!)) |")
        print("| one UPDATE … + transitions (the floor) | \(String(format: "%.2f", median(single))) | \(String(format: "%.2f", single.min()!)) – \(String(format: "%.2f", single.max()!)) |")
        print("| ratio batched / floor | \(String(format: "%.2f", median(batched) / median(single)))× | |")
        try await connection.simpleQuery("DROP SCHEMA \(schema.quoted) CASCADE")
    }
}
