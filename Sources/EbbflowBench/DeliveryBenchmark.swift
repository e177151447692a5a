// Delivery throughput: sends delivered per second by `ebbflow worker` processes into an SMTP sink on loopback.
import ArgumentParser
import EbbflowCore
import Foundation
import Logging
import PostgresClient

/// The production path end to end: sends decided by a flow, leased by the dispatcher, rendered,
/// submitted over each process's one pipelined SMTP connection and finished. Timed from the
/// workers' start until every send is `sent` (polled every 100 ms). The sink is the caller's
/// (Postfix's `smtp-sink`, or scripts/smtp-server), so the figure says which one it was.
struct DeliveryBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delivery", abstract: "Messages per second delivered into an SMTP sink on loopback.")

    @Option(help: "PostgreSQL URL (default: $DATABASE_URL).") var databaseURL: String?
    @Option(help: "The sink, e.g. smtp://127.0.0.1:2525?tls=none.") var smtpURL: String
    @Option(help: "Sends delivered.") var sends = 20_000
    @Option(help: "Worker processes.") var processes = 2
    @Option(help: "Jobs each worker runs at once (a chunk of deliveries takes one).") var concurrency = 4
    @Option(help: "Path of the release ebbflow binary.") var ebbflowBin = ".build/release/ebbflow"

    func run() async throws {
        let database = PGConfiguration.resolve(explicit: databaseURL)
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let schema = try SchemaName("bench_\(UUID().uuidString.prefix(8).lowercased())")
        let connection = try await PGConnection.connect(database, logger: logger)
        _ = try await Migrator(schema: schema).migrate(on: connection)
        let base = ["--schema", schema.name, "--database-url", database.conninfo, "--log-level", "error"]
        do {
            try await connection.simpleQuery(
                """
                INSERT INTO \(schema.qualified("contacts"))
                    (external_id, email, segment, campaign_status, status_changed_at, created_at, attributes)
                SELECT 'c' || n, 'c' || n || '@example.org', 'bench', 'active', now(), now(),
                       jsonb_build_object('first_name', 'Name' || n)
                FROM generate_series(1, \(sends)) AS n
                """)
            let template = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(schema.name).yaml")
            try Data(
                """
                name: bench
                subject: "Hello {{attributes.first_name}}"
                html: "<p>Hi {{attributes.first_name}}, see <a href=\\"https://shop.example.com/new\\">what is new</a>.</p>"
                text: "Hi {{attributes.first_name}}, see what is new: https://shop.example.com/new"
                """.utf8
            ).write(to: template)
            try run(["templates", "apply", template.path] + base, environment: [:])
            try run(["flows", "start", "bench", "--segment", "bench", "--template", "bench"] + base, environment: [:])
            try run(["worker", "--drain", "--concurrency", "10"] + base, environment: [:])
            let decided = try await connection.query(
                "SELECT count(*)::int8 AS n FROM \(schema.qualified("sends")) WHERE state = 'pending'"
            ).first!.decode("n", as: Int.self)
            guard decided == sends else { throw BenchError("\(decided) sends decided, expected \(sends)") }
            let environment = [
                "EBBFLOW_SMTP_URL": smtpURL, "EBBFLOW_FROM": "Bench <bench@example.com>",
                "EBBFLOW_PUBLIC_URL": "https://mail.example.com",
            ]
            let started = ContinuousClock.now
            let workers = try (0..<processes).map { _ in
                try start(
                    ["worker", "--queues", "deliver", "--concurrency", "\(concurrency)"] + base,
                    environment: environment)
            }
            var sent = 0
            do {
                while sent < sends {
                    try await Task.sleep(for: .milliseconds(100))
                    sent = try await connection.query(
                        "SELECT count(*)::int8 AS n FROM \(schema.qualified("sends")) WHERE state = 'sent'"
                    ).first!.decode("n", as: Int.self)
                    if ContinuousClock.now - started > .seconds(600) {
                        throw BenchError("\(sent) of \(sends) sent in 600 s (is the sink listening?)")
                    }
                    if workers.contains(where: { !$0.isRunning }) { throw BenchError("a worker exited") }
                }
            } catch {
                // The workers are ours: none is left delivering after the benchmark gives up.
                for worker in workers where worker.isRunning { worker.terminate() }
                for worker in workers { worker.waitUntilExit() }
                throw error
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            for worker in workers { worker.terminate() }
            for worker in workers { worker.waitUntilExit() }
            var figures = FigureTable()
            figures.add(
                "delivery into the sink, \(processes) processes × \(concurrency), \(sends) sends (html + text, tracked links)",
                Double(sends) / seconds, "messages/s")
            figures.print()
        } catch {
            try? await connection.simpleQuery("DROP SCHEMA \(schema.quoted) CASCADE")
            throw error
        }
        try await connection.simpleQuery("DROP SCHEMA \(schema.quoted) CASCADE")
    }

    private func start(_ arguments: [String], environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ebbflowBin)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    private func run(_ arguments: [String], environment: [String: String]) throws {
        let process = try start(arguments, environment: environment)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError(
                "ebbflow \(arguments.prefix(2).joined(separator: " ")) exited \(process.terminationStatus)")
        }
    }
}
