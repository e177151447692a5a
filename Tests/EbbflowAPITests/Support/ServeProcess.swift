// Starts `ebbflow serve` on a fresh, migrated schema and a free port, as an operator would, and stops it with a signal.
import EbbflowTestSupport
import Foundation

/// One running server process for a test. The schema is dropped when the test ends.
final class ServeProcess: @unchecked Sendable {
    let schema: String
    let pid: pid_t
    let port: Int
    let logPath: String

    private init(schema: String, pid: pid_t, port: Int, logPath: String) {
        self.schema = schema
        self.pid = pid
        self.port = port
        self.logPath = logPath
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Migrates a new schema (a simulation database, whose clock the test moves, when
    /// `simulation`), starts `serve` on it (extra arguments appended), waits for /readyz, runs
    /// `body`, then stops the server and drops the schema whatever happened.
    static func with<T: Sendable>(
        arguments: [String] = [], environment: [String: String] = [:], simulation: Bool = false,
        _ body: (ServeProcess) async throws -> T
    ) async throws -> T {
        let schema = TestDatabase.uniqueSchemaName("api")
        return try await TestDatabase.dropping(schema) {
            let migrated = try await EbbflowBinary.run(
                ["migrate", "--schema", schema] + (simulation ? ["--simulation"] : []), timeout: .seconds(120))
            guard migrated.exitCode == 0 else { throw ServeFailure("migrate failed: \(migrated.output)") }
            let server = try await start(schema: schema, arguments: arguments, environment: environment)
            do {
                let value = try await body(server)
                await server.kill(SIGKILL)
                return value
            } catch {
                await server.kill(SIGKILL)
                throw error
            }
        }
    }

    static func start(schema: String, arguments: [String] = [], environment: [String: String] = [:]) async throws
        -> ServeProcess
    {
        let logPath = NSTemporaryDirectory() + "ebbflow-serve-\(schema)-\(UUID().uuidString.prefix(8)).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        let pid = try CleanSpawn.start(
            EbbflowBinary.path,
            // A small pool: the suites run side by side against one cluster's connection limit.
            ["serve", "--schema", schema, "--port", "0", "--connections", "4"] + arguments, environment: env,
            outputPath: logPath)
        // The server logs "listening on 127.0.0.1:PORT" once its socket is bound.
        for _ in 0..<600 {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let range = log.range(of: #"listening on 127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let port = Int(log[range].split(separator: ":").last!)!
                let server = ServeProcess(schema: schema, pid: pid, port: port, logPath: logPath)
                try await server.waitUntilReady()
                return server
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { throw ServeFailure("serve exited early: \(log)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        Foundation.kill(pid, SIGKILL)
        throw ServeFailure("serve did not listen within 30 s")
    }

    func waitUntilReady() async throws {
        for _ in 0..<300 {
            if let response = try? await APIClient(server: self).send("GET", "/readyz"), response.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ServeFailure("serve never became ready: \(log)")
    }

    func kill(_ signal: Int32) async {
        Foundation.kill(pid, signal)
        if signal == SIGKILL { await waitForExit() }
    }

    /// Waits for the process to end (at most 60 s) and returns its exit status, or nil if it
    /// was killed by a signal or did not end. Polls with `Task.sleep`: a blocking wait would hold
    /// one of the cooperative pool's two threads and stall the suites running beside it.
    @discardableResult
    func waitForExit() async -> Int32? {
        var status: Int32 = 0
        for _ in 0..<6_000 {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : nil }
            if result < 0 { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// Makes a key through the CLI and returns it (the last line of stdout).
    func createKey(_ name: String, scope: String, extra: [String] = []) async throws -> String {
        let result = try await EbbflowBinary.run(
            ["keys", "create", name, "--scope", scope, "--schema", schema] + extra, timeout: .seconds(60))
        guard result.exitCode == 0, let key = result.stdout.split(separator: "\n").last else {
            throw ServeFailure("keys create failed: \(result.output)")
        }
        return String(key)
    }

    func ebbflow(_ arguments: [String]) async throws -> CommandResult {
        try await EbbflowBinary.run(arguments + ["--schema", schema], timeout: .seconds(120))
    }
}

struct ServeFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
