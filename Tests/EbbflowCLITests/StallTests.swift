// A database that stops answering, for a real `ebbflow worker`: /readyz follows the stall, logged once, and SIGTERM ends it in bounded time.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

/// The database is made to stop answering for the worker only, never for the shared cluster:
/// a lock the test holds on the worker's own schema's tables, or a proxy the test freezes.
@Suite(.serialized) struct StallTests {
    /// A worker process started with a clean signal mask, its stdout and stderr in a file.
    struct Worker {
        let pid: pid_t
        let port: Int
        let logPath: String

        var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

        func occurrences(_ text: String) -> Int { log.components(separatedBy: text).count - 1 }

        func signal(_ signal: Int32) { kill(pid, signal) }

        /// The exit status, or nil when it did not end within `limit` (a hang guard, generous)
        /// or ended by a signal.
        func waitForExit(within limit: Duration) async -> Int32? {
            let deadline = ContinuousClock.now + limit
            var status: Int32 = 0
            while ContinuousClock.now < deadline {
                let result = waitpid(pid, &status, WNOHANG)
                if result == pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : nil }
                if result < 0 { return nil }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return nil
        }

        /// Waits until /readyz answers `status` (bounded).
        func readyz(_ status: String, within limit: Duration = .seconds(120)) async throws -> Bool {
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                if let answer = try? await HTTPProbe.get(port: port, path: "/readyz"),
                    answer.hasPrefix("HTTP/1.1 \(status)")
                {
                    return true
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            return false
        }

        /// Waits until the log holds `text` (bounded).
        func logs(_ text: String, within limit: Duration = .seconds(60)) async throws -> Bool {
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                if log.contains(text) { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return false
        }
    }

    func startWorker(_ schema: String, url: String, shutdownTimeout: String = "2") throws -> Worker {
        let port = HTTPProbe.randomPort()
        let logPath = NSTemporaryDirectory() + "ebbflow-stall-\(schema).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        var environment = ProcessInfo.processInfo.environment
        environment["EBBFLOW_STALL_SECONDS"] = "1"
        let pid = try CleanSpawn.start(
            EbbflowBinary.path,
            [
                "worker", "--schema", schema, "--database-url", url, "--concurrency", "4", "--poll-interval", "0.2",
                "--lease-seconds", "30", "--shutdown-timeout", shutdownTimeout, "--metrics-port", "\(port)",
                "--metrics-host", "127.0.0.1", "--log-level", "info",
            ], environment: environment, outputPath: logPath)
        return Worker(pid: pid, port: port, logPath: logPath)
    }

    /// A migrated schema of its own, dropped afterwards; the worker is killed if still running.
    func withSchema(_ body: (String) async throws -> Void) async throws {
        let schema = TestDatabase.uniqueSchemaName("stall")
        try await TestDatabase.dropping(schema) {
            let migrated = try await EbbflowBinary.run(
                ["migrate", "--schema", schema, "--database-url", try TestDatabase.url], timeout: .seconds(120))
            try #require(migrated.exitCode == 0, "\(migrated.output)")
            try await body(schema)
        }
    }

    /// Holds `LOCK TABLE … IN ACCESS EXCLUSIVE MODE` on the schema's jobs table in an open
    /// transaction of the test's own: every claim, heartbeat and completion of the worker waits.
    func lockJobs(_ schema: String) async throws -> PGConnection {
        let holder = try await TestDatabase.connect()
        try await holder.simpleQuery("BEGIN; LOCK TABLE \"\(schema)\".jobs IN ACCESS EXCLUSIVE MODE")
        return holder
    }

    @Test func aBadStallBoundIsRefusedInOneLine() async throws {
        for (value, command) in [("0", "worker"), ("abc", "serve"), ("3601", "worker"), ("nan", "serve")] {
            let result = try await EbbflowBinary.run(
                [command, "--database-url", try TestDatabase.url], environment: ["EBBFLOW_STALL_SECONDS": value],
                timeout: .seconds(60))
            #expect(result.exitCode == 1, "\(result.output)")
            #expect(
                result.stderr.contains("EBBFLOW_STALL_SECONDS must be a number of seconds 1...3600, got \"\(value)\""),
                "\(result.output)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }

    @Test(.timeLimit(.minutes(6))) func readinessFollowsAStallThatIsLoggedOnceWithItsWait() async throws {
        try await withSchema { schema in
            let worker = try startWorker(schema, url: try TestDatabase.url)
            defer { worker.signal(SIGKILL) }
            #expect(try await worker.readyz("200"), "ready once started: \(worker.log)")
            let holder = try await lockJobs(schema)
            #expect(try await worker.readyz("503"), "not ready while its statements wait on the lock")
            #expect(try await worker.logs("database stalled"), "\(worker.log)")
            #expect(try await worker.logs("server_wait=Lock/relation"), "\(worker.log)")
            try await holder.simpleQuery("ROLLBACK")
            #expect(try await worker.readyz("200"), "ready again once the lock is gone: \(worker.log)")
            #expect(try await worker.logs("database statements answer again"), "\(worker.log)")
            #expect(worker.occurrences("database stalled") == 1, "one warning per stall: \(worker.log)")
            worker.signal(SIGTERM)
            #expect(await worker.waitForExit(within: .seconds(120)) == 0, "\(worker.log)")
        }
    }

    /// SIGTERM while every statement waits on a lock: past the shutdown timeout the blocked
    /// statements are cancelled, the hand-back gives up after its bound (logged), and the
    /// process exits 0 well before the watchdog's bound; the jobs stay leased to it.
    @Test(.timeLimit(.minutes(6))) func sigtermWhileStalledExitsAndSkipsTheHandBack() async throws {
        try await withSchema { schema in
            let enqueued = try await EbbflowBinary.run([
                "jobs", "enqueue", "sleep", "--args", "{\"ms\": 3600000}", "--count", "2", "--schema", schema,
                "--database-url", try TestDatabase.url,
            ])
            try #require(enqueued.exitCode == 0, "\(enqueued.output)")
            let worker = try startWorker(schema, url: try TestDatabase.url)
            defer { worker.signal(SIGKILL) }
            let observer = try await TestDatabase.connect()
            func running() async throws -> Int {
                try await observer.query(
                    "SELECT count(*)::int8 AS n FROM \"\(schema)\".jobs WHERE state = 'running' AND kind = 'sleep'"
                ).first!.decode("n")
            }
            let deadline = ContinuousClock.now + .seconds(120)
            while try await running() < 2 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            try #require(try await running() == 2, "\(worker.log)")
            let holder = try await lockJobs(schema)
            #expect(try await worker.readyz("503"), "\(worker.log)")
            worker.signal(SIGTERM)
            // The bound is shutdown timeout (2 s) + 15 s; the wait is a generous hang guard.
            let status = await worker.waitForExit(within: .seconds(120))
            // Read by the lock's holder, in its transaction: the hand-back never committed. (Once
            // the lock goes, the server may still run the dead worker's queued hand-back.)
            let stillRunning: Int = try await holder.query(
                "SELECT count(*)::int8 AS n FROM \"\(schema)\".jobs WHERE state = 'running' AND kind = 'sleep'"
            ).first!.decode("n")
            try await holder.simpleQuery("ROLLBACK")
            #expect(status == 0, "a graceful exit: \(worker.log)")
            #expect(worker.log.contains("hand-back skipped"), "\(worker.log)")
            #expect(stillRunning == 2, "not handed back: their leases return them")
        }
    }

    /// A database that answers nothing at all (a frozen proxy: statements and cancel requests
    /// alike go unanswered, the TCP connections stay up): the stall is logged with the server's
    /// view unknown, and SIGTERM ends the process through the watchdog, status 3.
    @Test(.timeLimit(.minutes(6))) func aDatabaseThatAnswersNothingEndsInTheWatchdogsExit() async throws {
        try await withSchema { schema in
            let proxy = try FreezingProxy(upstream: try await FreezingProxy.testClusterSocket())
            defer { proxy.stop() }
            let worker = try startWorker(schema, url: try await proxy.url(), shutdownTimeout: "1")
            defer { worker.signal(SIGKILL) }
            #expect(try await worker.readyz("200"), "ready once started: \(worker.log)")
            proxy.freeze()
            #expect(try await worker.readyz("503"), "\(worker.log)")
            #expect(try await worker.logs("database stalled", within: .seconds(90)), "\(worker.log)")
            // The server's view cannot be read either (or the statement was a connect, not sent yet).
            #expect(
                try await worker.logs("server_wait=unknown") || worker.log.contains("server_wait=none yet"),
                "\(worker.log)")
            worker.signal(SIGTERM)
            let status = await worker.waitForExit(within: .seconds(120))
            proxy.thaw()
            #expect(status == 3, "\(worker.log)")
            #expect(worker.log.contains("shutdown did not finish"), "\(worker.log)")
        }
    }
}
