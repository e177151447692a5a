// Rate limits: a limit's accuracy across worker processes, and what the limits cost the claim of an unlimited queue.
import ArgumentParser
import EbbflowCore
import EbbflowQueue
import Foundation
import Logging
import PostgresClient

/// Two figures for docs/benchmarks.md:
///
/// - accuracy: real `ebbflow worker` processes share one limit; the jobs started in each whole
///   second (by `attempted_at`, the database's time) should be the limit ± 1;
/// - cost: claims of batches from an unlimited queue, by the claim statement with the limits
///   (`JobStore.claim`) and by the statement as it was before them (kept here as the baseline),
///   alternating, each round on a fresh schema.
struct RateLimitBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ratelimit", abstract: "A queue limit's accuracy across worker processes, and its claim cost.")

    @Option(help: "PostgreSQL URL (default: $DATABASE_URL).") var databaseURL: String?
    @Option(help: "Path of the release ebbflow binary.") var ebbflowBin = ".build/release/ebbflow"
    @Option(help: "The limit, N/s.") var rate = 14
    @Option(help: "Seconds the limited workers run.") var seconds = 60
    @Option(help: "Worker processes sharing the limit.") var processes = 3
    @Option(help: "Claims per round of the claim-cost measurement.") var claims = 4_000
    @Option(help: "Jobs per claim.") var batch = 10
    @Option(help: "Rounds of each claim statement (alternating).") var rounds = 3
    @Option(help: "Comma-separated: accuracy,cost") var only = "accuracy,cost"

    func run() async throws {
        let database = PGConfiguration.resolve(explicit: databaseURL)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let context = BenchContext(database: database, logger: logger, ebbflowBin: ebbflowBin)
        let wanted = Set(only.split(separator: ",").map(String.init))
        if wanted.contains("accuracy") {
            let perSecond = try await accuracy(context)
            let sorted = perSecond.sorted()
            print("| limit | processes | whole seconds | jobs started per second: min | median | max |")
            print("|---|---:|---:|---:|---:|---:|")
            print(
                "| \(rate)/s | \(processes) | \(sorted.count) | \(sorted.first ?? 0) | \(sorted[sorted.count / 2]) | \(sorted.last ?? 0) |"
            )
            print("per second: \(perSecond.map(String.init).joined(separator: " "))")
        }
        if wanted.contains("cost") {
            var figures = FigureTable()
            for round in 1...rounds {
                figures.add(
                    "claims of \(batch) from an unlimited queue, before rate limits",
                    try await claimRate(context, statement: .before), "jobs/s")
                figures.add(
                    "claims of \(batch) from an unlimited queue, with rate limits (none set)",
                    try await claimRate(context, statement: .with(limitElsewhere: false)), "jobs/s")
                figures.add(
                    "claims of \(batch) from an unlimited queue, with rate limits (another queue limited, same worker)",
                    try await claimRate(context, statement: .with(limitElsewhere: true)), "jobs/s")
                FileHandle.standardError.write(Data("round \(round)/\(rounds) done\n".utf8))
            }
            figures.print()
        }
    }

    /// Jobs started in each whole second of the run, in order (the partial first and last seconds left out).
    func accuracy(_ context: BenchContext) async throws -> [Int] {
        try await context.withSchema { schema, connection in
            let store = JobStore(schema: schema)
            _ = try await connection.run {
                try store.setLimit("mail", rate: try QueueRate(jobs: rate, per: .second), on: $0)
            }
            let jobs = Array(repeating: NewJob(kind: "noop", queue: "mail"), count: rate * (seconds + 30))
            _ = try await connection.withTransaction { try store.copyIn(jobs, on: $0) }
            let children = try (0..<processes).map { _ in
                let process = Process()
                process.executableURL = URL(fileURLWithPath: ebbflowBin)
                process.arguments = [
                    "worker", "--queues", "mail", "--concurrency", "10", "--schema", schema.name, "--database-url",
                    context.database.conninfo, "--log-level", "error",
                ]
                try process.run()
                return process
            }
            try await Task.sleep(for: .seconds(seconds))
            for child in children { child.terminate() }
            for child in children { child.waitUntilExit() }
            let rows = try await connection.query(
                """
                WITH started AS (
                    SELECT attempted_at FROM \(schema.qualified("finished_jobs")) WHERE queue = 'mail'
                    UNION ALL SELECT attempted_at FROM \(schema.qualified("jobs")) WHERE queue = 'mail' AND attempted_at IS NOT NULL
                ), bounds AS (
                    SELECT date_trunc('second', min(attempted_at)) + interval '1 second' AS first,
                           date_trunc('second', max(attempted_at)) AS last FROM started
                )
                SELECT s.second, count(a.attempted_at) AS n
                FROM bounds, generate_series(bounds.first, bounds.last - interval '1 second', interval '1 second') AS s(second)
                LEFT JOIN started a ON a.attempted_at >= s.second AND a.attempted_at < s.second + interval '1 second'
                GROUP BY s.second ORDER BY s.second
                """
            ).rows
            return try rows.map { try $0.decode("n", as: Int.self) }
        }
    }

    enum Statement {
        case before
        case with(limitElsewhere: Bool)
    }

    /// Jobs claimed per second by `claims` claims of `batch` on one connection.
    func claimRate(_ context: BenchContext, statement: Statement) async throws -> Double {
        try await context.withSchema { schema, connection in
            try await context.load("noop", claims * batch, schema: schema, connection: connection)
            let store = JobStore(schema: schema)
            var limited = false
            if case .with(true) = statement {
                _ = try await connection.run {
                    try store.setLimit("mail", rate: try QueueRate(jobs: 14, per: .second), on: $0)
                }
                limited = true
            }
            let queues = limited ? ["default", "mail"] : ["default"]
            // As a worker claims: metered only when a queue it names is limited.
            let metered = limited
            let before = Self.claimBeforeLimits(schema)
            let (claims, batch) = (self.claims, self.batch)
            let started = ContinuousClock.now
            let claimed = try await connection.run { connection in
                var claimed = 0
                for _ in 0..<claims {
                    switch statement {
                    case .before:
                        claimed +=
                            try connection.queryInOwnTransaction(
                                before, [queues, nil as Date?, batch, "bench", 30.0],
                                settings: ["synchronous_commit": "off", "plan_cache_mode": "force_generic_plan"]
                            ).rows.count
                    case .with:
                        claimed +=
                            try store.claim(
                                queues: queues, limit: batch, worker: "bench", leaseSeconds: 30,
                                metered: metered, on: connection
                            )
                            .rows.count
                    }
                }
                return claimed
            }
            let elapsed = (ContinuousClock.now - started).seconds
            guard claimed == claims * batch else { throw BenchError("claimed \(claimed) of \(claims * batch)") }
            return Double(claimed) / elapsed
        }
    }

    /// The claim as it was before rate limits (sql/queue/0007): the baseline of the cost figure.
    static func claimBeforeLimits(_ schema: SchemaName) -> String {
        let jobs = schema.qualified("jobs")
        return """
            WITH clock AS MATERIALIZED (SELECT coalesce($2::timestamptz, \(DatabaseClock.nowExpression(schema: schema))) AS now),
            picked AS (
                SELECT ctid FROM \(jobs)
                WHERE state IN ('scheduled', 'available', 'retryable') AND run_at <= (SELECT now FROM clock) AND queue = ANY($1)
                ORDER BY priority, run_at, id
                LIMIT $3
                FOR UPDATE SKIP LOCKED
            )
            UPDATE \(jobs) j
            SET state = 'running', attempt = j.attempt + 1, locked_by = $4, attempted_at = (SELECT now FROM clock),
                lease_expires_at = pg_catalog.now() + make_interval(secs => $5)
            WHERE j.ctid = ANY(ARRAY(SELECT ctid FROM picked))
            RETURNING j.id, j.state::text AS state, j.queue, j.kind, j.args, j.priority, j.run_at, j.attempt, j.max_attempts,
                      j.errors, j.unique_key, j.created_at, j.attempted_at, j.locked_by, (SELECT now FROM clock) AS claimed_at
            """
    }
}
