// A private PostgreSQL with ssl=on and SCRAM passwords over TCP, and the test CA that signed its certificate.
import EbbflowTestSupport
import Foundation

/// Why a cluster of its own: TLS and password authentication are server-wide settings, which
/// the shared test cluster must not change. Started with scripts/dev-db (`EBBFLOW_PG_TLS_DIR`)
/// in a temporary folder, on a port given by the test (55450-55499 are this project's), with a
/// CA, a server certificate for `localhost` and 127.0.0.1, and a second CA that signed nothing
/// the server shows, all made here with openssl.
struct TLSCluster: Sendable {
    let directory: String
    let port: Int
    /// The superuser over the cluster's Unix socket (trusted).
    let adminURL: String

    var caPath: String { directory + "/ca.crt" }
    var otherCAPath: String { directory + "/other-ca.crt" }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// openssl is the one tool these tests need beyond the project's; fail (not skip) without it.
    static func requireOpenSSL() throws {
        guard
            ["/usr/bin/openssl", "/bin/openssl", "/usr/local/bin/openssl"].contains(
                where: FileManager.default.isExecutableFile)
        else { throw ClusterFailure("openssl not found: install Debian's `openssl` package") }
    }

    static func start(port: Int) async throws -> TLSCluster {
        try requireOpenSSL()
        let directory = "/tmp/ebbflow-tls-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let certificates = """
            set -eu
            cd "$1"
            curve="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
            openssl req -x509 $curve -keyout ca.key -out ca.crt -days 2 -subj /CN=ebbflow-test-ca
            openssl req -x509 $curve -keyout other-ca.key -out other-ca.crt -days 2 -subj /CN=ebbflow-other-ca
            openssl req $curve -keyout server.key -out server.csr -subj /CN=localhost
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.cnf
            openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile san.cnf
            """
        let made = try await Shell.run(["/bin/bash", "-c", certificates, "certificates", directory])
        guard made.exitCode == 0 else { throw ClusterFailure("openssl failed: \(made.output)") }
        let environment = [
            "EBBFLOW_PG_DIR": directory + "/pg", "EBBFLOW_PG_PORT": "\(port)", "EBBFLOW_PG_TLS_DIR": directory,
            "EBBFLOW_PG_FAST": "1",
        ]
        let started = try await Shell.run(
            [root.appendingPathComponent("scripts/dev-db").path, "start"], environment: environment)
        guard started.exitCode == 0, let url = started.stdout.split(separator: "\n").last else {
            try? FileManager.default.removeItem(atPath: directory)
            throw ClusterFailure("scripts/dev-db start failed: \(started.output)")
        }
        return TLSCluster(directory: directory, port: port, adminURL: String(url))
    }

    /// A key=value connection string over TCP to `host` as `user`, TLS verified against `ca`.
    func conninfo(user: String, host: String = "localhost", ca: String? = nil, extra: String = "") -> String {
        "host=\(host) port=\(port) dbname=ebbflow user=\(user) sslmode=verify-full sslrootcert=\(ca ?? caPath) \(extra)"
    }

    func stop() async {
        _ = try? await Shell.run(
            [Self.root.appendingPathComponent("scripts/dev-db").path, "stop"],
            environment: ["EBBFLOW_PG_DIR": directory + "/pg"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func with<T: Sendable>(port: Int, _ body: (TLSCluster) async throws -> T) async throws -> T {
        let cluster = try await start(port: port)
        do {
            let value = try await body(cluster)
            await cluster.stop()
            return value
        } catch {
            await cluster.stop()
            throw error
        }
    }
}

struct ClusterFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What a finished program printed and how it exited.
struct ShellResult: Sendable {
    var exitCode: Int32
    var stdout: String
    var stderr: String
    var output: String { stdout + stderr }
}

/// Runs a program to completion on a thread of its own (not the cooperative pool).
enum Shell {
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> ShellResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                nonisolated(unsafe) var stderr = Data()
                let done = DispatchSemaphore(value: 0)
                Thread.detachNewThread {
                    stderr = err.fileHandleForReading.readDataToEndOfFile()
                    done.signal()
                }
                let stdout = out.fileHandleForReading.readDataToEndOfFile()
                done.wait()
                process.waitUntilExit()
                continuation.resume(
                    returning: ShellResult(
                        exitCode: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                        stderr: String(decoding: stderr, as: UTF8.self)))
            }
        }
    }
}
