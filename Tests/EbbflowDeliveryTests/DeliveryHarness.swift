// A migrated schema, the real `ebbflow` binary and worker processes, for the delivery suites.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

/// Why the binary and not in-process workers: delivery is what `ebbflow worker` does with its
/// environment, and the crash test kills processes.
struct DeliveryHarness: Sendable {
    let schema: String
    let url: String
    var base: [String] { ["--schema", schema, "--database-url", url] }
    var table: (String) -> String { { "\"\(schema)\".\($0)" } }

    /// A fresh schema (a simulation database when asked: its clock can be moved), dropped afterwards.
    static func with<T: Sendable>(
        simulation: Bool = false, _ body: (DeliveryHarness) async throws -> T
    ) async throws -> T {
        let harness = DeliveryHarness(schema: TestDatabase.uniqueSchemaName("dl"), url: try TestDatabase.url)
        _ = try await harness.ebbflow(["migrate", "--log-level", "warning"] + (simulation ? ["--simulation"] : []))
        return try await TestDatabase.dropping(harness.schema) { try await body(harness) }
    }

    /// Runs `ebbflow ARGS` on the schema; it must exit 0.
    @discardableResult
    func ebbflow(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
        let result = try await EbbflowBinary.run(arguments + base, environment: environment, timeout: .seconds(300))
        try #require(result.exitCode == 0, "ebbflow \(arguments.joined(separator: " ")): \(result.output)")
        return result
    }

    func query(_ sql: String, _ bindings: PGBindings = []) async throws -> [PGRow] {
        let connection = try await TestDatabase.connect()
        let rows = try await connection.query(sql, bindings).rows
        await connection.run { $0.close() }
        return rows
    }

    func execute(_ sql: String) async throws {
        let connection = try await TestDatabase.connect()
        try await connection.simpleQuery(sql)
        await connection.run { $0.close() }
    }

    func count(_ sql: String, _ bindings: PGBindings = []) async throws -> Int {
        try await query("SELECT count(*)::int8 AS n FROM (\(sql)) q", bindings).first!.decode("n")
    }

    /// Each send's state by contact.
    func sendStates() async throws -> [String: String] {
        var states: [String: String] = [:]
        for row in try await query(
            "SELECT c.external_id, s.state FROM \(table("sends")) s JOIN \(table("contacts")) c ON c.id = s.contact_id")
        {
            states[try row.decode("external_id")] = try row.decode("state")
        }
        return states
    }

    /// Applies a template document (YAML).
    func applyTemplate(_ yaml: String) async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString).yaml")
        try Data(yaml.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        try await ebbflow(["templates", "apply", file.path])
    }

    /// `ebbflow worker` delivering with `environment` (its output to a log file, so no pipe
    /// can fill and stall it); stopped by the caller.
    func startWorker(_ environment: [String: String], extra: [String] = []) throws -> WorkerProcess {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("dl-worker-\(UUID().uuidString).log")
            .path
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let pid = try CleanSpawn.start(
            EbbflowBinary.path,
            [
                "worker", "--concurrency", "4", "--lease-seconds", "3", "--poll-interval", "0.2",
                "--log-level", "warning",
            ] + extra + base,
            environment: merged, outputPath: log)
        return WorkerProcess(pid: pid, log: log)
    }

    /// Polls `condition` every 200 ms until it holds or `timeout` passes; returns whether it held.
    func wait(_ timeout: Duration, until condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(200))
        }
        return try await condition()
    }
}

/// A worker started by the harness: its pid and its log.
struct WorkerProcess: Sendable {
    let pid: pid_t
    let log: String

    var output: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }

    /// SIGTERM (graceful) or SIGKILL, then reaps it.
    func stop(_ signal: Int32 = SIGTERM) async {
        kill(pid, signal)
        let pid = self.pid
        _ = await OffPool.run { () -> Int32 in
            var status: Int32 = 0
            for _ in 0..<600 {
                if waitpid(pid, &status, WNOHANG) == pid { return status }
                usleep(50_000)
            }
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
            return status
        }
    }
}
