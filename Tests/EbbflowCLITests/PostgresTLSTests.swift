// TLS to PostgreSQL with sslmode=verify-full against a test CA, and passwords from files, on a private cluster.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct PostgresTLSTests {
    /// Off for now: in the full run its cluster start (`TLSCluster`'s Shell, Foundation's
    /// Process) never saw its child's exit (a zombie, `waitUntilExit` spinning) and held the whole
    /// suite. It passed alone; it must move to the suite's own spawning helpers before it runs again.
    static let hangsInCI: Comment = "its Foundation Process wait hung the full run (issue 20 merge): to fix"

    /// Everything a production connection does: roles with SCRAM passwords set from files by
    /// `roles setup`, `migrate` as the owner and a worker as the worker role over verified TLS
    /// (pg_stat_ssl says so), and the failures (another CA, another host name, a wrong
    /// password) each one line without the password.
    @Test(.disabled(Self.hangsInCI)) func verifiedTLSAndPasswordFiles() async throws {
        try await TLSCluster.with(port: 55451) { cluster in
            let prefix = "tls"
            let schema = "tls_schema"
            let ownerPassword = "Owner-\(UUID().uuidString)"
            let workerPassword = "Worker-\(UUID().uuidString)"
            let secrets = [ownerPassword, workerPassword]
            let files = cluster.directory + "/secrets"
            try FileManager.default.createDirectory(atPath: files, withIntermediateDirectories: true)
            try Data((ownerPassword + "\n").utf8).write(to: URL(fileURLWithPath: files + "/owner"))
            try Data(workerPassword.utf8).write(to: URL(fileURLWithPath: files + "/worker"))
            try Data("not-the-password\n".utf8).write(to: URL(fileURLWithPath: files + "/wrong"))
            var outputs: [String] = []

            let setup = try await EbbflowBinary.run(
                [
                    "roles", "setup", "--prefix", prefix, "--password-file", "owner=\(files)/owner",
                    "--password-file", "worker=\(files)/worker", "--schema", schema, "--database-url", cluster.adminURL,
                ], timeout: .seconds(60))
            outputs.append(setup.output)
            try #require(setup.exitCode == 0, "roles setup: \(setup.output)")
            #expect(setup.stdout.contains("role tls_owner: created, password set from its file"), "\(setup.output)")

            let migrated = try await EbbflowBinary.run(
                [
                    "migrate", "--schema", schema, "--database-url", cluster.conninfo(user: "tls_owner"),
                    "--database-password-file", "\(files)/owner",
                ], timeout: .seconds(120))
            outputs.append(migrated.output)
            try #require(migrated.exitCode == 0, "migrate over verified TLS: \(migrated.output)")

            // A worker over TLS (by IP: the certificate names 127.0.0.1 too), its password from the environment.
            let (worker, _, workerErrors) = try EbbflowBinary.start(
                [
                    "worker", "--schema", schema, "--database-url",
                    cluster.conninfo(user: "tls_worker", host: "127.0.0.1"),
                    "--log-level", "trace",
                ], environment: ["EBBFLOW_DATABASE_PASSWORD_FILE": "\(files)/worker"])
            let admin = try await PGConnection.connect(PGConfiguration(conninfo: cluster.adminURL))
            var sessions = 0
            var allEncrypted = false
            for _ in 0..<300 {
                let row = try await admin.query(
                    """
                    SELECT count(*)::int8 AS n, coalesce(bool_and(s.ssl), false) AS ssl
                    FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid) WHERE a.usename = 'tls_worker'
                    """
                ).first!
                sessions = try row.decode("n")
                allEncrypted = try row.decode("ssl")
                if sessions >= 1 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            worker.terminate()
            outputs.append(String(decoding: workerErrors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
            worker.waitUntilExit()
            #expect(sessions >= 1, "the worker's connections: \(outputs.last!.suffix(2_000))")
            #expect(allEncrypted, "pg_stat_ssl: every connection of the worker uses TLS")
            await admin.close()

            let listed = try await EbbflowBinary.run(
                [
                    "jobs", "list", "--schema", schema, "--database-url", cluster.conninfo(user: "tls_worker"),
                    "--database-password-file", "\(files)/worker",
                ], timeout: .seconds(60))
            outputs.append(listed.output)
            #expect(listed.exitCode == 0, "jobs list over verified TLS: \(listed.output)")

            let failures: [(String, String, String)] = [
                (
                    "another CA", cluster.conninfo(user: "tls_worker", ca: cluster.otherCAPath),
                    "certificate verify failed"
                ),
                (
                    "another host name",
                    cluster.conninfo(user: "tls_worker", host: "db.invalid", extra: "hostaddr=127.0.0.1"),
                    "does not match host name \"db.invalid\""
                ),
            ]
            for (what, conninfo, expected) in failures {
                let failed = try await EbbflowBinary.run(
                    [
                        "jobs", "list", "--schema", schema, "--database-url", conninfo, "--database-password-file",
                        "\(files)/worker", "--log-level", "trace",
                    ], timeout: .seconds(60))
                outputs.append(failed.output)
                #expect(failed.exitCode != 0, "\(what)")
                #expect(failed.stderr.contains(expected), "\(what): \(failed.stderr)")
                #expect(failed.stderr.split(separator: "\n").count == 1, "\(what): one line: \(failed.stderr)")
            }
            let wrong = try await EbbflowBinary.run(
                [
                    "jobs", "list", "--schema", schema, "--database-url", cluster.conninfo(user: "tls_worker"),
                    "--database-password-file", "\(files)/wrong",
                ], timeout: .seconds(60))
            outputs.append(wrong.output)
            #expect(wrong.exitCode != 0)
            #expect(wrong.stderr.contains("password authentication failed for user \"tls_worker\""), "\(wrong.stderr)")
            #expect(wrong.stderr.split(separator: "\n").count == 1, "one line: \(wrong.stderr)")

            // Without TLS the pg_hba line still asks for SCRAM; a URL's own password works, and
            // a URL with a password plus a password file is refused rather than guessed.
            let url = "postgresql://tls_worker:\(workerPassword)@127.0.0.1:\(cluster.port)/ebbflow?sslmode=disable"
            let plain = try await EbbflowBinary.run(
                ["jobs", "list", "--schema", schema, "--database-url", url], timeout: .seconds(60))
            outputs.append(plain.output)
            #expect(plain.exitCode == 0, "\(plain.output)")
            let both = try await EbbflowBinary.run(
                [
                    "jobs", "list", "--schema", schema, "--database-url", url, "--database-password-file",
                    "\(files)/worker",
                ],
                timeout: .seconds(60))
            outputs.append(both.output)
            #expect(both.exitCode != 0)
            #expect(both.stderr.contains("give the password one way only"), "\(both.stderr)")

            for output in outputs {
                for secret in secrets {
                    #expect(!output.contains(secret), "a password was printed: \(output.suffix(500))")
                }
            }
        }
    }

    /// A password file that cannot be one: refused in one line before anything connects.
    @Test func badPasswordFilesAreRefusedInOneLine() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pwfiles-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ name: String, _ data: Data) throws -> String {
            let url = directory.appendingPathComponent(name)
            try data.write(to: url)
            return url.path
        }
        let cases: [(String, String)] = [
            (directory.path + "/missing", "does not exist"),
            (try file("empty", Data("\n".utf8)), "is empty"),
            (directory.path, "is a directory, not a file"),
            (try file("large", Data(repeating: 65, count: 2_000)), "is larger than 1024 bytes"),
            (try file("two", Data("one\ntwo\n".utf8)), "holds more than one line"),
        ]
        for (path, expected) in cases {
            let result = try await EbbflowBinary.run(
                [
                    "jobs", "list", "--database-url", "postgresql://nobody@127.0.0.1:1/none",
                    "--database-password-file", path,
                ],
                timeout: .seconds(30))
            #expect(result.exitCode != 0)
            #expect(result.stderr.contains("the database password file \(path) \(expected)"), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "one line: \(result.stderr)")
        }
    }
}
