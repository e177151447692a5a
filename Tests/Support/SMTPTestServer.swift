// A real SMTP server (aiosmtpd, through scripts/smtp-server) on loopback for one test, and the mail it accepted.
import Foundation

/// Why a real server: the client's TLS, AUTH, pipelining and failure handling are only proven
/// against a server that speaks SMTP as a relay does. Start it with `SMTPTestServer.with`, which
/// stops it however the test ends.
public final class SMTPTestServer: Sendable {
    public struct Options: Sendable {
        public var startTLS = false
        public var implicitTLS = false
        /// `user:password` the server accepts (AUTH then required).
        public var auth: (user: String, password: String)?
        /// What AUTH offers when `auth` is set.
        public var authMechanisms = ["PLAIN", "LOGIN"]
        public var pipelining = true
        /// Seconds of silence after which the server closes a connection (after a 421 unless
        /// `silentIdleClose`).
        public var idleTimeout: Double?
        public var silentIdleClose = false
        /// The SIZE the server announces and enforces, in bytes (aiosmtpd's 32 MiB when nil).
        public var sizeLimit: Int?

        public init(
            startTLS: Bool = false, implicitTLS: Bool = false, auth: (user: String, password: String)? = nil,
            authMechanisms: [String] = ["PLAIN", "LOGIN"], pipelining: Bool = true, idleTimeout: Double? = nil,
            silentIdleClose: Bool = false, sizeLimit: Int? = nil
        ) {
            self.startTLS = startTLS
            self.implicitTLS = implicitTLS
            self.auth = auth
            self.authMechanisms = authMechanisms
            self.pipelining = pipelining
            self.idleTimeout = idleTimeout
            self.silentIdleClose = silentIdleClose
            self.sizeLimit = sizeLimit
        }
    }

    public let port: Int
    /// Where each accepted message lands as NNNNNN.eml and NNNNNN.json.
    public let directory: URL
    private let pid: pid_t

    /// The test CA's certificate (with `startTLS` or `implicitTLS`): what a client must trust.
    public var caFile: String { directory.appendingPathComponent("tls/ca.pem").path }

    private init(port: Int, directory: URL, pid: pid_t) {
        self.port = port
        self.directory = directory
        self.pid = pid
    }

    /// The repository's scripts/smtp-server.
    public static var scriptPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/smtp-server").path
    }

    /// Starts a server, runs `body`, stops the server (also when `body` throws).
    public static func with<T: Sendable>(
        _ options: Options = Options(), _ body: (SMTPTestServer) async throws -> T
    ) async throws -> T {
        let server = try await start(options)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    public static func start(_ options: Options = Options()) async throws -> SMTPTestServer {
        let directory = URL(fileURLWithPath: NSTemporaryDirectory())
            .appendingPathComponent("ebbflow-smtp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var arguments = ["--dir", directory.path]
        if options.startTLS { arguments.append("--starttls") }
        if options.implicitTLS { arguments.append("--implicit-tls") }
        if let auth = options.auth {
            arguments += [
                "--auth", "\(auth.user):\(auth.password)", "--auth-mechanisms",
                options.authMechanisms.joined(separator: ","),
            ]
        }
        if !options.pipelining { arguments.append("--no-pipelining") }
        if let idle = options.idleTimeout { arguments += ["--idle-timeout", String(idle)] }
        if options.silentIdleClose { arguments.append("--silent-idle-close") }
        if let size = options.sizeLimit { arguments += ["--size-limit", String(size)] }
        let log = directory.appendingPathComponent("server.log").path
        let pid = try CleanSpawn.start(
            "/bin/bash", [scriptPath] + arguments, environment: ProcessInfo.processInfo.environment, outputPath: log)
        // The first start may make the venv and the certificates: generous, and bounded.
        for _ in 0..<1200 {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }),
                let port = Int(line.dropFirst("listening on ".count))
            {
                return SMTPTestServer(port: port, directory: directory, pid: pid)
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw SMTPTestServerError(reason: "scripts/smtp-server exited before listening:\n\(text)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(-pid, SIGKILL)
        _ = await OffPool.run { waitpid(pid, nil, 0) }
        throw SMTPTestServerError(reason: "scripts/smtp-server did not listen within 120 s")
    }

    /// Stops the server and its process group, and removes its directory.
    public func stop() async {
        kill(-pid, SIGTERM)
        let pid = self.pid
        _ = await OffPool.run { () -> Int32 in
            var status: Int32 = 0
            for _ in 0..<100 {
                if waitpid(pid, &status, WNOHANG) == pid { return status }
                usleep(50_000)
            }
            kill(-pid, SIGKILL)
            waitpid(pid, &status, 0)
            return status
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The messages accepted so far, in the order they were accepted.
    public func messages() throws -> [ReceivedMail] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") }.sorted()
        return try names.map { name in
            let base = directory.appendingPathComponent(String(name.dropLast(".json".count)))
            let metadata = try JSONDecoder().decode(
                ReceivedMail.Metadata.self, from: Data(contentsOf: base.appendingPathExtension("json")))
            let data = try Data(contentsOf: base.appendingPathExtension("eml"))
            return ReceivedMail(name: base.lastPathComponent, data: [UInt8](data), metadata: metadata)
        }
    }
}

/// One message as the test server received it.
public struct ReceivedMail: Sendable {
    public struct Metadata: Sendable, Decodable {
        public var mailFrom: String
        public var rcptTos: [String]
        /// Which connection it came over: the client's address and port.
        public var connection: String
        public var tls: Bool
        public var authenticated: Bool
        public var login: String?
        public var ehlo: String?
        /// RCPT was already waiting behind MAIL when MAIL was handled.
        public var pipelined: Bool
        /// MAIL's parameters as the server read them (upper case), such as `SIZE=1234`.
        public var mailOptions: [String]

        enum CodingKeys: String, CodingKey {
            case mailFrom = "mail_from", rcptTos = "rcpt_tos", connection, tls, authenticated, login, ehlo, pipelined
            case mailOptions = "mail_options"
        }
    }

    public var name: String
    /// The message as received (after the server undid the dot-stuffing).
    public var data: [UInt8]
    public var metadata: Metadata
}

public struct SMTPTestServerError: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
