// `ebbflow-bench http`: the API's ingest throughput against `events import`, /v1/track latency at a fixed rate, serve's memory.
import ArgumentParser
import EbbflowCore
import Foundation
import PostgresClient

/// Issue 16's figures, side by side in one run against a real `ebbflow serve` child: the same
/// events posted as `/v1/batch` requests and imported from one NDJSON file, each into a fresh
/// schema holding the same contacts (checked afterwards: every event stored once and applied,
/// every contact in the same state); then single `/v1/track` requests at a fixed rate, timed
/// open loop, with a sample read back on a separate connection right after its 200; and the
/// server's resident memory under each load.
struct HTTPBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "HTTP ingest: /v1/batch vs events import, /v1/track latency open loop, serve's memory.")

    @Option(help: "PostgreSQL URL (default: $DATABASE_URL).") var databaseURL: String?
    @Option(help: "The ebbflow binary to measure (default: the ebbflow beside this ebbflow-bench).") var ebbflow:
        String?
    @Option(parsing: .unconditional, help: "Contacts imported into each schema (1...10000000).") var contacts = 100_000
    @Option(parsing: .unconditional, help: "Events of the throughput measurement (1...10000000).") var events =
        1_000_000
    @Option(parsing: .unconditional, help: "Events per /v1/batch request (1...1000).") var batch = 100
    @Option(parsing: .unconditional, help: "Keep-alive connections posting batches (1...256).") var connections = 4
    @Option(parsing: .unconditional, help: "/v1/track requests per second of the latency measurement (1...20000).")
    var rate = 1_000
    @Option(parsing: .unconditional, help: "Seconds of the latency measurement, after 1 s of warm-up (1...3600).")
    var seconds = 30
    @Option(parsing: .unconditional, help: "Connections the tracks are spread over (1...1024).")
    var latencyConnections = 16
    @Option(parsing: .unconditional, help: "Read back every Nth track's contact after its 200 (1...1000000).")
    var sampleEvery = 50
    @Option(parsing: .unconditional, help: "serve's --connections (its database pool; default: serve's own, 1...500).")
    var serveConnections: Int?
    @Option(parsing: .unconditional, help: "Repetitions (medians reported, 1...10).") var reps = 1
    @Option(help: "Comma-separated: throughput,floor,latency") var only = "throughput,floor,latency"

    static let measurements: Set<String> = ["throughput", "floor", "latency"]

    func validate() throws {
        func check(_ value: Int, _ flag: String, _ bounds: ClosedRange<Int>) throws {
            guard bounds.contains(value) else {
                throw ValidationError("--\(flag) must be \(bounds.lowerBound)...\(bounds.upperBound), got \(value)")
            }
        }
        try check(contacts, "contacts", 1...10_000_000)
        try check(events, "events", 1...10_000_000)
        try check(batch, "batch", 1...1_000)
        try check(connections, "connections", 1...256)
        try check(rate, "rate", 1...20_000)
        try check(seconds, "seconds", 1...3_600)
        try check(latencyConnections, "latency-connections", 1...1_024)
        try check(sampleEvery, "sample-every", 1...1_000_000)
        if let serveConnections { try check(serveConnections, "serve-connections", 1...500) }
        try check(reps, "reps", 1...10)
        let unknown = wanted.subtracting(Self.measurements)
        guard unknown.isEmpty, !wanted.isEmpty else {
            throw ValidationError("--only takes throughput, floor and/or latency, got \"\(only)\"")
        }
        guard FileManager.default.isExecutableFile(atPath: ebbflowPath) else {
            throw ValidationError(
                "--ebbflow: no executable at \(ebbflowPath) (build it: swift build -c release --product ebbflow)")
        }
    }

    private var wanted: Set<String> {
        Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    private var ebbflowPath: String {
        ebbflow
            ?? Bundle.main.executableURL.map { $0.deletingLastPathComponent().appendingPathComponent("ebbflow").path }
            ?? ".build/release/ebbflow"
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ebbflow-bench-http-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixture = try IngestFixture.make(
            ebbflow: ebbflowPath, database: PGConfiguration.resolve(explicit: databaseURL), contacts: contacts,
            directory: directory)
        var report = HTTPBenchReport()
        for rep in 1...reps {
            if wanted.contains("throughput") {
                try await HTTPThroughput(settings: self, fixture: fixture, directory: directory).measure(
                    rep: rep, into: &report)
            }
            if wanted.contains("latency") || wanted.contains("floor") {
                try await HTTPLatency(settings: self, fixture: fixture).measure(
                    rep: rep, floor: wanted.contains("floor"), tracks: wanted.contains("latency"), into: &report)
            }
            progress("rep \(rep)/\(reps) done")
        }
        print(
            """
            \(contacts) contacts; \(ProcessInfo.processInfo.activeProcessorCount) cores; ebbflow \(ebbflowPath)

            """)
        report.table.print()
        report.printNotes()
        guard report.failures.isEmpty else { throw ExitCode(1) }
    }
}

/// The table, the checks and the machine's load while each phase ran.
struct HTTPBenchReport {
    var table = FigureTable()
    var notes: [String] = []
    var failures: [String] = []

    mutating func check(_ holds: Bool, _ text: String) {
        notes.append((holds ? "" : "FAILED: ") + text)
        if !holds { failures.append(text) }
    }

    func printNotes() {
        print("")
        for note in notes { print("- \(note)") }
    }

    /// The 1, 5 and 15 minute load averages, as /proc/loadavg has them.
    static func loadAverage() -> String {
        let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? ""
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}

/// A schema name for one measurement.
func freshSchema(_ purpose: String) throws -> SchemaName {
    try SchemaName("bench_\(purpose)_\(UUID().uuidString.prefix(8).lowercased())")
}

/// Timestamped progress on standard error.
func phase(_ text: String) {
    progress("\(ISO8601Text.string(Date())) \(text) (load \(HTTPBenchReport.loadAverage()))")
}
