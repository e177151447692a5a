// Real worker processes: exact counts under concurrency, SIGKILL and a server restart; graceful SIGTERM.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite(.serialized) struct WorkerProcessTests {
    /// A migrated schema with `count` counter jobs, cleaned up afterwards.
    /// `url` defaults to the shared test database; the restart test passes its own cluster's.
    func withCounterJobs<T: Sendable>(
        _ count: Int, kind: String = "counter", url: String? = nil,
        _ body: (String, String) async throws -> T
    ) async throws -> T {
        let schema = TestDatabase.uniqueSchemaName("wp")
        let url = try url ?? TestDatabase.url
        let migrated = try await EbbflowBinary.run(["migrate", "--schema", schema, "--database-url", url])
        try #require(migrated.exitCode == 0, "\(migrated.output)")
        if count > 0 {
            let enqueued = try await EbbflowBinary.run([
                "jobs", "enqueue", kind, "--count", "\(count)", "--schema", schema, "--database-url", url,
            ])
            try #require(enqueued.exitCode == 0, "\(enqueued.output)")
        }
        do {
            let value = try await body(schema, url)
            try await TestDatabase.dropSchema(schema, url: url)
            return value
        } catch {
            try? await TestDatabase.dropSchema(schema, url: url)
            throw error
        }
    }

    func counterValue(_ schema: String, url: String? = nil) async throws -> Int {
        let connection = try await TestDatabase.connect(url: url)
        return try await connection.query("SELECT coalesce(sum(value), 0)::int8 AS v FROM \"\(schema)\".counters")
            .first!.decode("v")
    }

    /// Only the test's own kinds: the engine's installed schedules may add a job of theirs
    /// when a run crosses their tick.
    static let testKinds = ["counter", "sleep", "noop"]

    func finishedCount(_ schema: String, state: String = "completed", url: String? = nil) async throws -> Int {
        let connection = try await TestDatabase.connect(url: url)
        return try await connection.query(
            "SELECT count(*) AS n FROM \"\(schema)\".finished_jobs WHERE state::text = $1 AND kind = ANY($2)",
            [state, Self.testKinds]
        ).first!.decode("n")
    }

    func remaining(_ schema: String, url: String? = nil) async throws -> Int {
        let connection = try await TestDatabase.connect(url: url)
        return try await connection.query(
            "SELECT count(*) AS n FROM \"\(schema)\".jobs WHERE kind = ANY($1)", [Self.testKinds]
        ).first!.decode("n")
    }

    func startWorker(_ schema: String, _ url: String, _ extra: [String] = []) throws -> Process {
        try EbbflowBinary.start(
            [
                "worker", "--schema", schema, "--database-url", url, "--concurrency", "8",
                "--lease-seconds", "3", "--poll-interval", "0.2", "--log-level", "error",
            ] + extra
        ).0
    }

    /// Waits until no job is left unfinished (or the deadline passes).
    func waitUntilDrained(_ schema: String, url: String? = nil, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await remaining(schema, url: url) == 0 { return }
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    @Test func threeWorkersDrainTwentyThousandExactlyOnce() async throws {
        try await withCounterJobs(20_000) { schema, url in
            let workers = try (0..<3).map { _ in try startWorker(schema, url) }
            try await waitUntilDrained(schema, timeout: .seconds(240))
            for worker in workers { worker.terminate() }
            for worker in workers { await OffPool.waitForExit(worker) }
            #expect(workers.allSatisfy { $0.terminationStatus == 0 }, "graceful exits")
            #expect(try await counterValue(schema) == 20_000)
            #expect(try await finishedCount(schema) == 20_000)
            #expect(try await remaining(schema) == 0)
        }
    }

    /// Runs on a cluster of its own (`TestCluster`) when scripts/test started one, so the
    /// restart cannot break the connections of tests running beside it.
    @Test func killsAndAServerRestartLoseNothing() async throws {
        let ownCluster = TestCluster.directory != nil
        try await withCounterJobs(20_000, url: ownCluster ? try TestCluster.url : nil) { schema, url in
            var workers = try (0..<3).map { _ in try startWorker(schema, url) }
            var kills = 0
            var restarted = false
            let deadline = ContinuousClock.now + .seconds(300)
            while try await remaining(schema, url: url) > 0 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .seconds(2))
                kill(workers[0].processIdentifier, SIGKILL)
                await OffPool.waitForExit(workers[0])
                workers.removeFirst()
                workers.append(try startWorker(schema, url))
                kills += 1
                if kills == 2 && ownCluster {
                    try TestCluster.restart()
                    restarted = true
                }
            }
            try await waitUntilDrained(schema, url: url, timeout: .seconds(60))
            for worker in workers { worker.terminate() }
            for worker in workers { await OffPool.waitForExit(worker) }
            #expect(kills >= 2)
            #expect(restarted || !ownCluster)
            #expect(
                try await counterValue(schema, url: url) == 20_000, "exactly once despite \(kills) kills and a restart")
            #expect(try await finishedCount(schema, url: url) == 20_000)
        }
    }

    /// /readyz answers 503 while the database is down and 200 again once it is back, without a
    /// restart of the worker, which exits 0 on SIGTERM afterwards. On the restart cluster.
    @Test(.timeLimit(.minutes(8))) func readinessFollowsTheDatabase() async throws {
        guard TestCluster.directory != nil else { return } // needs a cluster it may stop
        try await withCounterJobs(0, kind: "noop", url: try TestCluster.url) { schema, url in
            let port = HTTPProbe.randomPort()
            let worker = try startWorker(schema, url, ["--metrics-port", "\(port)", "--metrics-host", "127.0.0.1"])
            func waitForReadyz(_ status: String, within limit: Duration) async throws -> Bool {
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
            // Hang guards, generous: on a loaded machine a worker can take long to start.
            #expect(try await waitForReadyz("200", within: .seconds(120)), "ready once started")
            try TestCluster.stop()
            let wentUnready = try await waitForReadyz("503", within: .seconds(120))
            try TestCluster.start()
            #expect(wentUnready, "not ready while the database is down")
            #expect(try await waitForReadyz("200", within: .seconds(120)), "ready again once it is back")
            worker.terminate()
            await OffPool.waitForExit(worker)
            #expect(worker.terminationStatus == 0)
        }
    }

    @Test func gracefulShutdownLetsRunningJobsFinish() async throws {
        try await withCounterJobs(0, kind: "noop") { schema, url in
            let enqueued = try await EbbflowBinary.run([
                "jobs", "enqueue", "sleep", "--args", "{\"ms\": 2000}", "--count", "5",
                "--schema", schema, "--database-url", url,
            ])
            try #require(enqueued.exitCode == 0)
            let worker = try startWorker(schema, url, ["--shutdown-timeout", "10"])
            try await waitForRunning(schema, 5)
            worker.terminate()
            await OffPool.waitForExit(worker)
            #expect(worker.terminationStatus == 0)
            #expect(try await finishedCount(schema) == 5)
        }
    }

    @Test func shutdownTimeoutHandsJobsBackUncharged() async throws {
        try await withCounterJobs(0, kind: "noop") { schema, url in
            let enqueued = try await EbbflowBinary.run([
                "jobs", "enqueue", "sleep", "--args", "{\"ms\": 3600000}", "--count", "5",
                "--schema", schema, "--database-url", url,
            ])
            try #require(enqueued.exitCode == 0)
            let worker = try startWorker(schema, url, ["--shutdown-timeout", "1"])
            try await waitForRunning(schema, 5)
            worker.terminate()
            await OffPool.waitForExit(worker)
            // The jobs sleep an hour: the worker exiting at all, with them back in the queue
            // uncharged, is the proof (no wall-clock bound; it failed on a loaded machine).
            #expect(worker.terminationStatus == 0)
            let connection = try await TestDatabase.connect()
            let rows = try await connection.query(
                "SELECT state::text AS state, attempt FROM \"\(schema)\".jobs WHERE kind = 'sleep'")
            #expect(rows.count == 5)
            #expect(
                try rows.rows.allSatisfy {
                    try $0.decode("state", as: String.self) == "available" && $0.decode("attempt", as: Int.self) == 0
                })
        }
    }

    /// A second SIGTERM exits at once (status 1) while the first's graceful shutdown waits for
    /// jobs that sleep an hour under an hour's grace: the worker exiting at all is the proof.
    @Test func aSecondSignalExitsAtOnce() async throws {
        try await withCounterJobs(0, kind: "noop") { schema, url in
            let enqueued = try await EbbflowBinary.run([
                "jobs", "enqueue", "sleep", "--args", "{\"ms\": 3600000}", "--count", "2",
                "--schema", schema, "--database-url", url,
            ])
            try #require(enqueued.exitCode == 0)
            let log = FileManager.default.temporaryDirectory.appendingPathComponent("\(schema).log")
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            defer { try? FileManager.default.removeItem(at: log) }
            let worker = Process()
            worker.executableURL = URL(fileURLWithPath: EbbflowBinary.path)
            worker.arguments = [
                "worker", "--schema", schema, "--database-url", url, "--concurrency", "2", "--lease-seconds", "3",
                "--poll-interval", "0.2", "--shutdown-timeout", "3600", "--log-level", "info",
            ]
            worker.standardOutput = FileHandle.nullDevice
            worker.standardError = try FileHandle(forWritingTo: log)
            worker.standardInput = FileHandle.nullDevice
            try worker.run()
            try await waitForRunning(schema, 2)
            worker.terminate()
            // The first signal taken (the worker says so) before the second is sent: two sent
            // together may arrive as one.
            func logged() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
            while worker.isRunning && !logged().contains("signal received") {
                try await Task.sleep(for: .milliseconds(20))
            }
            try #require(worker.isRunning, "\(logged())")
            worker.terminate()
            await OffPool.waitForExit(worker)
            #expect(worker.terminationStatus == 1, "\(logged())")
        }
    }

    @Test func killedWorkersJobsAreRescuedAndCompleteOnce() async throws {
        try await withCounterJobs(0, kind: "noop") { schema, url in
            let enqueued = try await EbbflowBinary.run([
                "jobs", "enqueue", "sleep", "--args", "{\"ms\": 1500}", "--count", "8",
                "--schema", schema, "--database-url", url,
            ])
            try #require(enqueued.exitCode == 0)
            let doomed = try startWorker(schema, url)
            try await waitForRunning(schema, 8)
            kill(doomed.processIdentifier, SIGKILL)
            await OffPool.waitForExit(doomed)
            let rescuer = try startWorker(schema, url)
            try await waitUntilDrained(schema, timeout: .seconds(120))
            rescuer.terminate()
            await OffPool.waitForExit(rescuer)
            #expect(try await finishedCount(schema) == 8)
            let connection = try await TestDatabase.connect()
            let rescued = try await connection.query(
                "SELECT count(*) AS n FROM \"\(schema)\".finished_jobs WHERE errors @> '[{\"kind\": \"lease_expired\"}]'"
            ).first!.decode("n", as: Int.self)
            #expect(rescued == 8)
        }
    }

    /// The worker polls once an hour: each job done within the test proves NOTIFY woke it
    /// (no latency bound in seconds, which depended on the machine's speed; the minute
    /// deadline per job is a hang guard, sixty times shorter than the poll).
    @Test func notifyStartsJobsFarSoonerThanThePollInterval() async throws {
        try await withCounterJobs(0, kind: "noop") { schema, url in
            let worker = try EbbflowBinary.start([
                "worker", "--schema", schema, "--database-url", url, "--poll-interval", "3600",
                "--log-level", "error",
            ]).0
            defer { worker.terminate(); worker.waitUntilExit() }
            try await Task.sleep(for: .seconds(1.5)) // listening, idle
            let connection = try await TestDatabase.connect()
            for _ in 0..<5 {
                let deadline = ContinuousClock.now + .seconds(60)
                _ = try await connection.query("SELECT 1")
                let enqueued = try await EbbflowBinary.run([
                    "jobs", "enqueue", "noop", "--json", "--schema", schema, "--database-url", url,
                ])
                try #require(enqueued.exitCode == 0, "\(enqueued.output)")
                while try await remaining(schema) > 0 && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(5))
                }
                #expect(
                    try await remaining(schema) == 0, "a job waited for the hourly poll: NOTIFY did not wake the worker"
                )
            }
        }
    }

    /// A job that kills the worker that claims it (once a `Date` encoding trap, SIGILL, exit
    /// 132; here SIGKILL mid-job, the same to the queue: no clean-up, no hand-back) is
    /// discarded after `max_attempts` deaths like any failing job, never claimed again.
    @Test(.timeLimit(.minutes(3))) func aJobThatKillsItsWorkerIsDiscardedAfterMaxAttempts() async throws {
        try await withCounterJobs(0, kind: "noop") { schema, url in
            let enqueued = try await EbbflowBinary.run([
                "jobs", "enqueue", "sleep", "--args", "{\"ms\": 3600000}", "--max-attempts", "2",
                "--json", "--schema", schema, "--database-url", url,
            ])
            try #require(enqueued.exitCode == 0, "\(enqueued.output)")
            let connection = try await TestDatabase.connect()
            func attemptRunning() async throws -> Int? {
                try await connection.query(
                    "SELECT attempt FROM \"\(schema)\".jobs WHERE kind = 'sleep' AND state = 'running'"
                )
                .first.map { try $0.decode("attempt", as: Int.self) }
            }
            for attempt in 1...2 {
                let worker = try startWorker(schema, url)
                while try await attemptRunning() != attempt { try await Task.sleep(for: .milliseconds(50)) }
                kill(worker.processIdentifier, SIGKILL)
                await OffPool.waitForExit(worker)
                #expect(worker.terminationReason == .uncaughtSignal)
            }
            // A third worker's rescuer finds the lapsed lease on the last attempt: discarded.
            let third = try startWorker(schema, url)
            defer { third.terminate(); third.waitUntilExit() }
            var finished: PGRow?
            while finished == nil {
                try await Task.sleep(for: .milliseconds(100))
                finished = try await connection.query(
                    "SELECT state::text AS state, attempt, errors::text AS errors FROM \"\(schema)\".finished_jobs WHERE kind = 'sleep'"
                ).first
                #expect(try await attemptRunning() != 3, "claimed a third time")
            }
            let row = try #require(finished)
            #expect(try row.decode("state", as: String.self) == "discarded")
            #expect(try row.decode("attempt", as: Int.self) == 2)
            let errors = try row.decode("errors", as: String.self)
            #expect(errors.components(separatedBy: "lease_expired").count - 1 == 2, "\(errors)")
            #expect(errors.contains("\"attempt\": 2"), "the discard names the last attempt: \(errors)")
            #expect(try await remaining(schema) == 0)
        }
    }

    func waitForRunning(_ schema: String, _ count: Int) async throws {
        let connection = try await TestDatabase.connect()
        let deadline = ContinuousClock.now + .seconds(120) // a hang guard, not a speed bound
        while ContinuousClock.now < deadline {
            let running: Int = try await connection.query(
                "SELECT count(*) AS n FROM \"\(schema)\".jobs WHERE state = 'running' AND kind = 'sleep'"
            ).first!.decode("n")
            if running >= count { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("fewer than \(count) jobs started running")
    }
}
