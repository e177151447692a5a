// `ebbflow simulate`: the whole engine over simulated months with real worker processes; table, CSV and chart.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import EbbflowSimulation
import Foundation

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract:
            "Simulate contacts with behaviour personas over days, with real workers; print the weekly table and write CSV and SVG.",
        discussion: """
            Uses its own simulation schema (default ebbflow_sim): created and marked as a simulation on the first \
            run, dropped and recreated on later ones. Any other existing schema is refused, never dropped, and \
            public is never used. The same --seed gives the same numbers whatever --workers is.

            With --streams FILE (a document `ebbflow streams apply` takes), personas also sign up (within the \
            first 14 days), buy (after clicks, or of their own accord), return products and open support tickets; \
            the run also writes streams.csv and streams.svg (membership per stream per day) and prints what each \
            stream did. --appeal TEMPLATE=FACTOR makes a template's sends clicked FACTOR times as often, so \
            streams truly differ and the arbiter has something to learn. The arbiter's Thompson draws are random, \
            so runs with streams differ slightly from one another.
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
    @Option(help: "A stream document (YAML or JSON) to run: personas then buy, return and open tickets.") var streams:
        String?
    @Option(
        help: ArgumentHelp(
            "Clicks on TEMPLATE's sends are FACTOR times the persona's usual (repeatable; needs --streams).",
            valueName: "TEMPLATE=FACTOR")) var appeal: [String] = []
    @Flag(
        help: """
            Then serve the dashboard on the simulated audience (an admin key is made and printed once); \
            SIGINT stops it.
            """)
    var serve = false
    @Option(help: "With --serve: the port to listen on (127.0.0.1; 0: any free port). Default 8080.")
    var port = 8_080

    func validate() throws {
        _ = try InputBounds.integer(port, field: "--port", in: 0...65_535)
        _ = try InputBounds.integer(contacts, field: "--contacts", in: 1...5_000_000)
        _ = try InputBounds.integer(days, field: "--days", in: 1...InputBounds.maxDays)
        _ = try InputBounds.integer(workers, field: "--workers", in: 1...32)
        _ = try InputBounds.integer(concurrency, field: "--concurrency", in: 1...256)
        if let policy, !FileManager.default.isReadableFile(atPath: policy) {
            throw InputError("cannot read the policy file \(policy)")
        }
        if let day = killWorkerOnDay {
            _ = try InputBounds.integer(day, field: "--kill-worker-on-day", in: 0...(days - 1))
        }
        _ = try appeals()
        guard streams != nil || appeal.isEmpty else { throw InputError("--appeal needs --streams") }
        _ = try streamDocument()
    }

    /// `--appeal` as a map; a malformed pair or a factor that is not a positive number is refused.
    func appeals() throws -> [String: Double] {
        var result: [String: Double] = [:]
        for pair in appeal {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, let factor = Double(parts[1]), factor.isFinite, factor >= 0
            else {
                throw InputError("--appeal \"\(pair)\" is not TEMPLATE=FACTOR with a factor of 0 or more")
            }
            result[parts[0]] = try InputBounds.number(factor, field: "--appeal \(parts[0])", in: 0...1_000)
        }
        return result
    }

    /// The stream document, validated against the simulated policy's kinds before the
    /// database is touched, so a bad field is one clear line and nothing is dropped or made.
    func streamDocument() throws -> Data? {
        guard let streams else { return nil }
        guard let data = FileManager.default.contents(atPath: streams) else {
            throw InputError("cannot read the streams file \(streams)")
        }
        let policyDocument: PolicyDocument
        if let policy, let text = FileManager.default.contents(atPath: policy) {
            do { policyDocument = try PolicyDocument.parse(text) } catch { throw InputError("\(policy): \(error)") }
        } else {
            policyDocument = PolicyDocument()
        }
        do { _ = try StreamDefinition.parse(data, knownKinds: policyDocument.acceptedEventKinds) } catch {
            throw InputError("\(streams): \(error)")
        }
        return data
    }

    func run() async throws {
        try await simulate()
        if serve {
            try await SimulateServe.run(
                connection: connection, schema: try SchemaName(connection.schema ?? "ebbflow_sim"), port: port)
        }
    }

    private func simulate() async throws {
        let schema = try SchemaName(connection.schema ?? "ebbflow_sim")
        var options = SimulationOptions()
        options.contacts = contacts
        options.days = days
        options.workers = workers
        options.concurrency = concurrency
        options.seed = seed
        options.killWorkerOnDay = killWorkerOnDay
        if let policy { options.policy = try Data(contentsOf: URL(fileURLWithPath: policy)) }
        options.streams = try streamDocument()
        options.appeal = try appeals()
        let outDirectory = URL(fileURLWithPath: out, isDirectory: true)
        try FileManager.default.createDirectory(at: outDirectory, withIntermediateDirectories: true)

        let database = try await connection.connect()
        let simulator = Simulator(
            options: options, database: try connection.postgres, schema: schema,
            logger: connection.logger("ebbflow.migrate"))
        try await simulator.prepare(on: database)
        let binary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let fleet = WorkerFleet(
            binary: binary, databaseURL: try connection.postgres.conninfo, schema: schema.name,
            concurrency: concurrency, leaseSeconds: options.leaseSeconds)
        try fleet.start(count: workers)
        defer { fleet.stop() }
        let live = isatty(STDERR_FILENO) == 1
        let result = try await simulator.run(on: database, fleet: fleet) { progress in
            let line = String(
                format: "day %d/%d · %d jobs · %.0f jobs/s · active %d engaged %d inactive %d",
                progress.day, progress.days, progress.jobsDone, progress.jobsPerSecond,
                progress.row.active + progress.row.reactivated, progress.row.engaged,
                progress.row.inactive + progress.row.movedToAds)
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
        let title =
            "ebbflow: \(contacts) contacts over \(days) days (seed \(seed), \(workers) worker\(workers == 1 ? "" : "s"))"
        let audience = AudienceChart.chart(result.rows, campaigns: result.campaigns, title: title)
        try Data(audience.standaloneDocument().utf8).write(to: svg)
        print(WeeklyTable.render(result.rows))
        print(result.summary.text)
        guard options.streams != nil else {
            print("wrote \(csv.path) and \(svg.path)")
            return
        }
        let streamsCSV = outDirectory.appendingPathComponent("streams.csv")
        let streamsSVG = outDirectory.appendingPathComponent("streams.svg")
        try Data(StreamCSV.render(result.streamRows, streams: result.streams).utf8).write(to: streamsCSV)
        let streamsChart = StreamChart.chart(
            result.streamRows, streams: result.streams, campaigns: result.campaigns,
            title: "ebbflow: contacts in each stream, \(contacts) contacts over \(days) days (seed \(seed))")
        try Data(streamsChart.standaloneDocument().utf8).write(to: streamsSVG)
        print()
        print(StreamTotals.table(result.streamTotals))
        print("wrote \(csv.path), \(svg.path), \(streamsCSV.path) and \(streamsSVG.path)")
    }
}
