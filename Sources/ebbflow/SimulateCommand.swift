// `ebbflow simulate`: the whole engine over simulated months with real worker processes; table, CSV and chart.
import ArgumentParser
import EbbflowCore
import EbbflowSimulation
import Foundation

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate contacts with behaviour personas over days, with real workers; print the weekly table and write CSV and SVG.",
        discussion: """
            Uses its own simulation schema (default ebbflow_sim), dropped and recreated at each run; a schema that \
            is not a simulation is refused. The same --seed gives the same numbers whatever --workers is.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Contacts to create.") var contacts = 20_000
    @Option(help: "Days to simulate.") var days = 120
    @Option(help: "Worker processes to run.") var workers = 2
    @Option(help: "Jobs each worker runs at once.") var concurrency = 8
    @Option(help: "Random seed: the same seed gives the same numbers.") var seed: UInt64 = 42
    @Option(help: "A policy document (JSON or YAML) to simulate instead of the defaults.") var policy: String?
    @Option(help: "Directory for simulation.csv and audience.svg.") var out = "simulation-out"
    @Option(help: "Kill one worker process with SIGKILL on this day (resilience check).") var killWorkerOnDay: Int?

    func validate() throws {
        guard (1...5_000_000).contains(contacts) else { throw InputError("--contacts must be 1...5000000") }
        guard (1...3_650).contains(days) else { throw InputError("--days must be 1...3650") }
        guard (1...32).contains(workers) else { throw InputError("--workers must be 1...32") }
        guard (1...256).contains(concurrency) else { throw InputError("--concurrency must be 1...256") }
        if let policy, !FileManager.default.isReadableFile(atPath: policy) { throw InputError("cannot read the policy file \(policy)") }
        if let day = killWorkerOnDay, !(0..<days).contains(day) { throw InputError("--kill-worker-on-day must be 0...\(days - 1)") }
    }

    func run() async throws {
        let schema = try SchemaName(connection.schema ?? "ebbflow_sim")
        var options = SimulationOptions()
        options.contacts = contacts
        options.days = days
        options.workers = workers
        options.concurrency = concurrency
        options.seed = seed
        options.killWorkerOnDay = killWorkerOnDay
        if let policy { options.policy = try Data(contentsOf: URL(fileURLWithPath: policy)) }
        let outDirectory = URL(fileURLWithPath: out, isDirectory: true)
        try FileManager.default.createDirectory(at: outDirectory, withIntermediateDirectories: true)

        let database = try await connection.connect()
        let simulator = Simulator(options: options, database: connection.postgres, schema: schema, logger: connection.logger("ebbflow.migrate"))
        try await simulator.prepare(on: database)
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let fleet = WorkerFleet(binary: binary, databaseURL: connection.postgres.conninfo, schema: schema.name,
                                concurrency: concurrency, leaseSeconds: options.leaseSeconds)
        try fleet.start(count: workers)
        defer { fleet.stop() }
        let live = isatty(STDERR_FILENO) == 1
        let result = try await simulator.run(on: database, fleet: fleet) { progress in
            let line = String(format: "day %d/%d · %d jobs · %.0f jobs/s · active %d engaged %d inactive %d",
                              progress.day, progress.days, progress.jobsDone, progress.jobsPerSecond,
                              progress.row.active + progress.row.reactivated, progress.row.engaged, progress.row.inactive + progress.row.movedToAds)
            if live {
                FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
            } else if progress.day % 7 == 0 || progress.day == progress.days {
                FileHandle.standardError.write(Data("simulate: \(line)\n".utf8))
            }
        }
        if live { FileHandle.standardError.write(Data("\n".utf8)) }
        fleet.stop()
        let csv = outDirectory.appendingPathComponent("simulation.csv")
        let svg = outDirectory.appendingPathComponent("audience.svg")
        try Data(SimulationCSV.render(result.rows).utf8).write(to: csv)
        let title = "ebbflow: \(contacts) contacts over \(days) days (seed \(seed), \(workers) worker\(workers == 1 ? "" : "s"))"
        try Data(AudienceChart.svg(result.rows, title: title).utf8).write(to: svg)
        print(WeeklyTable.render(result.rows))
        print(result.summary.text)
        print("wrote \(csv.path) and \(svg.path)")
    }
}
