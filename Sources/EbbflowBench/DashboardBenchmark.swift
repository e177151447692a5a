// `ebbflow-bench dashboard`: every dashboard page timed against issue 19's 300 ms budget on a schema filled to scale.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// Why a child `ebbflow serve` and HTTP: the budget is the page as a browser gets it (routing,
/// session check, read transaction, rendering), from the binary a team deploys. Server time
/// comes from the dashboard's `Server-Timing: total`, so the client's own cost stays out.
struct DashboardBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Dashboard pages at scale: fill a schema server-side, time every URL against a p95 budget.")

    @OptionGroup var target: DashboardTarget
    @Option(parsing: .unconditional, help: "Contacts (1000...10000000).") var contacts = 1_000_000
    @Option(parsing: .unconditional, help: "Engagement events (10000...100000000).") var events = 10_000_000
    @Flag(help: "Keep the filled schema afterwards (its name is printed) for --reuse.") var keepSchema = false
    @Option(help: "Time an already filled schema (from --keep-schema) instead of filling one; it is kept.")
    var reuse: String?
    @Option(parsing: .unconditional, help: "Finished jobs (1000...100000000).") var finishedJobs = 1_000_000
    @Option(parsing: .unconditional, help: "Sends (1000...100000000).") var sends = 2_000_000
    @Option(parsing: .unconditional, help: "Warm requests per URL after the cold one (1...1000).") var reps = 20
    @Option(parsing: .unconditional, help: "p95 budget per URL in milliseconds (1...60000).") var budgetMs = 300
    @Option(help: "Only URLs containing this text.") var only: String?

    func validate() throws {
        let bounded: [(flag: String, value: Int, bounds: ClosedRange<Int>)] = [
            ("contacts", contacts, 1_000...10_000_000), ("events", events, 10_000...100_000_000),
            ("finished-jobs", finishedJobs, 1_000...100_000_000), ("sends", sends, 1_000...100_000_000),
            ("reps", reps, 1...1_000), ("budget-ms", budgetMs, 1...60_000),
        ]
        for option in bounded where !option.bounds.contains(option.value) {
            throw ValidationError(
                "--\(option.flag) must be \(option.bounds.lowerBound)...\(option.bounds.upperBound), got \(option.value)"
            )
        }
        if let only {
            guard (1...200).contains(only.count) else { throw ValidationError("--only must be 1...200 characters") }
        }
        if keepSchema, reuse != nil { throw ValidationError("--keep-schema and --reuse exclude each other") }
        if let reuse { _ = try SchemaName(reuse) }
        guard FileManager.default.isExecutableFile(atPath: ebbflowPath) else {
            throw ValidationError(
                "--ebbflow: no executable at \(ebbflowPath) (build it: swift build --product ebbflow)")
        }
    }

    private var ebbflowPath: String { target.ebbflowPath }

    private var sizes: DashboardSizes {
        DashboardSizes(contacts: contacts, events: events, finishedJobs: finishedJobs, sends: sends)
    }

    func run() async throws {
        let database = PGConfiguration.resolve(explicit: target.databaseURL)
        let connection = try await PGConnection.connect(database)
        let cli = DashboardCLI(ebbflow: ebbflowPath, database: database)
        var figures = FigureTable()
        let schema: SchemaName
        if let reuse {
            schema = try SchemaName(reuse)
        } else {
            schema = try SchemaName("dash_bench_\(getpid())")
            let started = ContinuousClock.now
            try cli.run(["migrate", "--simulation", "--schema", schema.name])
            try await connection.run { try DatabaseClock(schema: schema).set(DashboardFill.now, on: $0) }
            // The bench measures the pages on a still database: no schedule may run a pass meanwhile.
            try await connection.execute("UPDATE \(schema.qualified("schedules")) SET enabled = false")
            try cli.run(["streams", "apply", "-", "--schema", schema.name], input: DashboardFill.streamsYAML)
            do {
                try await DashboardFill(sizes: sizes, connection: connection, schema: schema).fill()
            } catch {
                if !keepSchema { try? await connection.simpleQuery("DROP SCHEMA \(schema.quoted) CASCADE") }
                throw error
            }
            figures.add("fill (migrate, load, indexes, VACUUM ANALYZE)", (ContinuousClock.now - started).seconds, "s")
            for part in DashboardRollup.Part.allCases {
                let partStarted = ContinuousClock.now
                try await connection.run { connection in
                    _ = try connection.withTransactionSync {
                        try DashboardRollup(schema: schema).run(
                            part, now: try DatabaseClock(schema: schema).now(on: connection), on: connection)
                    }
                }
                figures.add("dashboard_rollup part \(part.rawValue)", (ContinuousClock.now - partStarted).seconds, "s")
            }
            phase("filled \(schema.name)")
        }
        var failed = false
        do {
            failed = try await measure(schema: schema, connection: connection, cli: cli, figures: &figures)
        } catch {
            if reuse == nil, !keepSchema { try? await connection.simpleQuery("DROP SCHEMA \(schema.quoted) CASCADE") }
            throw error
        }
        if reuse == nil {
            if keepSchema {
                print("\nschema kept: \(schema.name) (time it again with --reuse \(schema.name))")
            } else {
                try await connection.simpleQuery("DROP SCHEMA \(schema.quoted) CASCADE")
            }
        }
        if failed { throw ExitCode(1) }
    }

    /// Times every URL, then the audience pages again after a vacuum-less update of 10 % of
    /// the contacts; true when a p95 passed the budget or a page failed.
    private func measure(schema: SchemaName, connection: PGConnection, cli: DashboardCLI, figures: inout FigureTable)
        async throws -> Bool
    {
        let urls = DashboardPages.urls(sizes).filter { url in only.map { url.path.contains($0) } ?? true }
        let key =
            try cli.run([
                "keys", "create", "dash-bench-\(UUID().uuidString.prefix(8))", "--scope", "admin",
                "--schema", schema.name,
            ]).split(separator: "\n").last.map(String.init) ?? ""
        let serve = try ServeProcess.start(
            ebbflow: ebbflowPath, databaseURL: cli.database.conninfo, schema: schema.name, poolConnections: nil)
        defer { serve.kill() }
        var http = DashboardHTTP(port: serve.port)
        let signedIn = try http.post("/dashboard/sign-in", form: [("key", key), ("next", "/dashboard/overview")])
        guard signedIn.status == 303, let cookie = signedIn.header("Set-Cookie")?.split(separator: ";").first else {
            throw BenchError(
                "sign-in answered \(signedIn.status) without a session cookie: \(signedIn.body.prefix(200))")
        }
        http.cookie = String(cookie)
        let budget = Double(budgetMs)
        let timing = DashboardTiming(http: http, reps: reps)
        let first = try timing.run(urls)
        let table =
            (try? await connection.query(
                "SELECT count(*)::int8 AS n FROM \(schema.qualified("contacts"))"
            ).first?.decode("n", as: Int.self)) ?? 0
        let started = ContinuousClock.now
        // What the decay pass leaves behind: 10 % of the rows rewritten, the visibility map dirty.
        try await connection.execute(
            """
            UPDATE \(schema.qualified("contacts")) SET engagement_score = engagement_score * 0.5
            WHERE id % 10 = 3
            """)
        figures.add("update 10 % of contacts (no vacuum)", (ContinuousClock.now - started).seconds, "s")
        let second = try timing.run(urls.filter(\.audience))
        try serve.stop()

        print(
            """
            ebbflow-bench dashboard: \(table) contacts, \(events) events, \(sends) sends, \(finishedJobs) finished jobs; \
            \(ProcessInfo.processInfo.activeProcessorCount) cores; \(reps) warm requests per URL; ebbflow \(ebbflowPath)

            """)
        figures.print()
        DashboardTiming.printTable(first, title: "Every URL (ms; Server-Timing total unless marked):", budget: budget)
        DashboardTiming.printTable(
            second, title: "Audience pages after updating 10 % of contacts without VACUUM:", budget: budget)
        let all = first + second
        let over = all.filter { $0.problem == nil && $0.p95 > budget }
        let broken = all.filter { $0.problem != nil && !$0.missing }
        let missing = first.filter(\.missing)
        print("")
        print("- \(first.count - missing.count) of \(first.count) URLs answered; missing: \(missing.count)")
        for row in over { print("- FAILED: \(row.path) p95 \(String(format: "%.1f", row.p95)) ms > \(budgetMs) ms") }
        for row in broken { print("- FAILED: \(row.path): \(row.problem ?? "")") }
        return !over.isEmpty || !broken.isEmpty
    }
}
