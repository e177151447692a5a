// Real worker processes drain jobs through a real pgbouncer in transaction pooling mode.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

/// Why: the README promises that `--no-listen --no-prepared-statements` makes workers safe behind
/// a transaction-pooling pgbouncer. Only a real pgbouncer proves it: anything session-scoped
/// (SET, session advisory locks, LISTEN, named prepared statements, temp tables) breaks or
/// misbehaves there once consecutive transactions land on different server connections.
@Suite(.serialized) struct PgbouncerTests {
    static let pgbouncerPath = "/usr/sbin/pgbouncer"

    @Test func workersDrainThroughTransactionPooling() async throws {
        // Fail (not skip): a silently skipped test would hide exactly the regressions it is for.
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.pgbouncerPath),
            "\(Self.pgbouncerPath) not found: install Debian's `pgbouncer` package (scripts/test installs it when run as root: apt-get install pgbouncer)"
        )

        let directURL = try TestDatabase.url
        let target = try DatabaseTarget(parsing: directURL)
        let bouncer = try await Pgbouncer.start(forwardingTo: target)
        let schema = TestDatabase.uniqueSchemaName("pb")
        do {
            try await drainThroughBouncer(schema: schema, directURL: directURL, bouncerURL: bouncer.url)
        } catch {
            bouncer.stop()
            try? await TestDatabase.dropSchema(schema)
            throw error
        }
        bouncer.stop()
        try await TestDatabase.dropSchema(schema)
    }

    /// Migrates and enqueues directly (DDL and COPY are not what is under test), then lets two
    /// worker processes drain through pgbouncer and checks every job ran exactly once.
    func drainThroughBouncer(schema: String, directURL: String, bouncerURL: String) async throws {
        let jobs = 2_000
        let migrated = try await EbbflowBinary.run(["migrate", "--schema", schema, "--database-url", directURL])
        try #require(migrated.exitCode == 0, "migrate: \(migrated.output)")
        let enqueued = try await EbbflowBinary.run([
            "jobs", "enqueue", "counter", "--count", "\(jobs)", "--schema", schema, "--database-url", directURL,
        ])
        try #require(enqueued.exitCode == 0, "enqueue: \(enqueued.output)")

        // Not tested on purpose: that a worker *with* prepared statements fails here. Whether
        // it does depends on the pgbouncer version (1.21+ can track protocol-level statements).
        let arguments = [
            "worker", "--schema", schema, "--database-url", bouncerURL,
            "--no-listen", "--no-prepared-statements", "--drain",
            "--concurrency", "8", "--poll-interval", "0.2", "--log-level", "error",
        ]
        async let first = EbbflowBinary.run(arguments, timeout: .seconds(120))
        async let second = EbbflowBinary.run(arguments, timeout: .seconds(120))
        let results = try await [first, second]
        for (index, result) in results.enumerated() {
            // The tail only: a worker failing on every job would otherwise bury the report.
            #expect(
                result.exitCode == 0,
                "worker \(index + 1) through pgbouncer exited \(result.exitCode): …\(result.output.suffix(3_000))")
        }

        // Checked over the direct connection, so pgbouncer cannot colour the answer.
        let connection = try await TestDatabase.connect()
        let counter: Int = try await connection.query(
            "SELECT coalesce(sum(value), 0)::int8 AS v FROM \"\(schema)\".counters"
        ).first!.decode("v")
        let completed: Int = try await connection.query(
            "SELECT count(*) AS n FROM \"\(schema)\".finished_jobs WHERE state::text = 'completed' AND kind = 'counter'"
        ).first!.decode("n")
        let remaining: Int = try await connection.query(
            "SELECT count(*) AS n FROM \"\(schema)\".jobs WHERE kind = 'counter'"
        ).first!.decode("n")
        await connection.close()
        #expect(counter == jobs, "each counter job adds 1 in its own transaction")
        #expect(completed == jobs)
        #expect(remaining == 0)
    }
}

/// Where the test cluster is, taken apart from `DATABASE_URL` so pgbouncer can point at it.
/// Why: pgbouncer's [databases] entry needs host/port/dbname as separate settings, and the
/// test cluster is usually socket-only (`postgresql://postgres@/ebbflow?host=/…/sock`).
private struct DatabaseTarget {
    var host: String
    var port: Int
    var dbname: String
    var user: String

    init(parsing url: String) throws {
        var settings: [String: String] = [:]
        if let scheme = ["postgresql://", "postgres://"].first(where: { url.hasPrefix($0) }) {
            let rest = url.dropFirst(scheme.count)
            let (beforeQuery, query) =
                rest.firstIndex(of: "?").map { (rest[..<$0], rest[rest.index(after: $0)...]) } ?? (rest, "")
            let (authority, path) =
                beforeQuery.firstIndex(of: "/").map {
                    (beforeQuery[..<$0], beforeQuery[beforeQuery.index(after: $0)...])
                } ?? (beforeQuery, "")
            var hostPort = Substring(authority)
            if let at = authority.lastIndex(of: "@") {
                let userInfo = authority[..<at]
                settings["user"] =
                    String(userInfo.split(separator: ":", maxSplits: 1).first ?? "").removingPercentEncoding
                hostPort = authority[authority.index(after: at)...]
            }
            if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
                settings["port"] = String(hostPort[hostPort.index(after: colon)...])
                hostPort = hostPort[..<colon]
            }
            if !hostPort.isEmpty { settings["host"] = hostPort.removingPercentEncoding }
            if !path.isEmpty { settings["dbname"] = path.removingPercentEncoding }
            for pair in query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    String($0).removingPercentEncoding ?? String($0)
                }
                if parts.count == 2 { settings[parts[0]] = parts[1] }
            }
        } else {
            // key=value conninfo; quoted values are not needed by any test cluster we start.
            for pair in url.split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
                if parts.count == 2 { settings[parts[0]] = parts[1] }
            }
        }
        guard let host = settings["host"], !host.isEmpty else {
            throw PGError(
                .invalidConfiguration, "DATABASE_URL names no host or socket directory for pgbouncer to reach: \(url)")
        }
        self.host = host
        self.port = Int(settings["port"] ?? "") ?? 5432
        self.user = settings["user"].flatMap { $0.isEmpty ? nil : $0 } ?? "postgres"
        self.dbname = settings["dbname"].flatMap { $0.isEmpty ? nil : $0 } ?? self.user
    }
}

/// One pgbouncer process, private to a test: its own config dir, a free loopback port, no socket.
private final class Pgbouncer: Sendable {
    let pid: pid_t
    let url: String
    let directory: URL

    private init(pid: pid_t, url: String, directory: URL) {
        self.pid = pid
        self.url = url
        self.directory = directory
    }

    /// Writes the config, starts pgbouncer (as `postgres` when we are root: it refuses root)
    /// and returns once a query through it succeeds.
    static func start(forwardingTo target: DatabaseTarget) async throws -> Pgbouncer {
        let isRoot = getuid() == 0
        // /tmp rather than $TMPDIR: as root, TMPDIR may sit under a home `postgres` cannot enter.
        let base = isRoot ? URL(fileURLWithPath: "/tmp") : FileManager.default.temporaryDirectory
        let directory = base.appendingPathComponent("ebbflow-pgbouncer-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var handedOver = false
        defer { if !handedOver { try? FileManager.default.removeItem(at: directory) } }
        let port = try freeLoopbackPort()

        let userlist = directory.appendingPathComponent("userlist.txt")
        try "\"\(target.user)\" \"\"\n".write(to: userlist, atomically: true, encoding: .utf8)
        let ini = directory.appendingPathComponent("pgbouncer.ini")
        try """
        ; Written by Tests/EbbflowCLITests/PgbouncerTests.swift; removed when the test ends.
        [databases]
        \(target.dbname) = host=\(quoted(target.host)) port=\(target.port) dbname=\(quoted(target.dbname)) user=\(quoted(target.user))

        [pgbouncer]
        listen_addr = 127.0.0.1
        listen_port = \(port)
        ; empty: no Unix socket, so nothing collides with a system pgbouncer on 6432
        unix_socket_dir =
        auth_type = trust
        auth_file = \(userlist.path)
        pool_mode = transaction
        max_client_conn = 200
        default_pool_size = 10
        ; libpq and JDBC-style clients send these; pgbouncer refuses unknown startup parameters
        ignore_startup_parameters = extra_float_digits,options
        ; log to stderr, which goes to pgbouncer.log here
        syslog = 0

        """.write(to: ini, atomically: true, encoding: .utf8)

        let log = directory.appendingPathComponent("pgbouncer.log")
        let environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"]
        var arguments = [ini.path]
        if isRoot {
            guard let account = getpwnam("postgres") else {
                throw PGError(
                    .invalidConfiguration,
                    "running as root needs a `postgres` user to run pgbouncer as (it refuses root)")
            }
            // The directory belongs to postgres so pgbouncer can still read its files after
            // switching user.
            chown(directory.path, account.pointee.pw_uid, account.pointee.pw_gid)
            // pgbouncer's own `-u` (rather than runuser) keeps it our direct child, so stop()
            // reaps it instead of leaving a zombie for init when runuser exits first.
            arguments = ["-u", "postgres"] + arguments
        }
        let pid = try CleanSpawn.start(
            PgbouncerTests.pgbouncerPath, arguments, environment: environment, outputPath: log.path)
        let bouncer = Pgbouncer(
            pid: pid, url: "postgresql://\(target.user)@127.0.0.1:\(port)/\(target.dbname)", directory: directory)
        do {
            try await bouncer.waitUntilReady(log: log)
        } catch {
            bouncer.stop()
            throw error
        }
        handedOver = true
        return bouncer
    }

    /// Polls with `SELECT 1` through pgbouncer (which also proves it reaches the server).
    private func waitUntilReady(log: URL) async throws {
        var configuration = PGConfiguration(conninfo: url, applicationName: "ebbflow-tests")
        configuration.preparedStatements = false
        // A hang guard, not a speed bound: on a loaded machine (load 20 on 2 cores) pgbouncer
        // once took longer than the 20 s this was.
        let deadline = ContinuousClock.now + .seconds(120)
        var lastError: (any Error)?
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw PGError(.connectionFailed, "pgbouncer exited at startup (status \(status)):\n\(output)")
            }
            do {
                let connection = try await PGConnection.connect(configuration)
                _ = try await connection.query("SELECT 1 AS one")
                await connection.close()
                return
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw PGError(
            .connectionFailed,
            "pgbouncer at \(url) not ready after 120s (last error: \(String(describing: lastError))):\n\(output)")
    }

    /// SIGTERM to its process group, SIGKILL after 5s; reaps it and
    /// removes the config directory.
    func stop() {
        kill(-pid, SIGTERM)
        var status: Int32 = 0
        let deadline = ContinuousClock.now + .seconds(5)
        var reaped = false
        while ContinuousClock.now < deadline {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result < 0 && errno == ECHILD) { reaped = true; break }
            usleep(50_000)
        }
        if !reaped {
            kill(-pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// A connection-string value, single-quoted when it holds spaces or quotes.
    private static func quoted(_ value: String) -> String {
        guard value.contains(where: { $0 == " " || $0 == "'" || $0 == "\\" }) else { return value }
        return "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }

    /// A loopback port nobody is using: bind port 0, read what the kernel chose, close.
    /// (Never listened on, so it is free again at once; pgbouncer sets SO_REUSEADDR anyway.)
    private static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EINVAL) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EINVAL) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
