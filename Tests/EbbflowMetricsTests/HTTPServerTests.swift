// The HTTP layer over real sockets: probes, readiness, errors, shutdown, idle connections.
import EbbflowHTTP
import Foundation
import Glibc
import Prometheus
import ServiceLifecycle
import Testing

/// Each test starts its own server on an ephemeral port, so tests run in parallel safely.
/// Clients use blocking sockets; the server answers from its own executor's thread, which a
/// blocked cooperative thread cannot starve.
@Suite struct HTTPServerTests {
    private let readiness = Readiness()
    private var routes: [any HTTPRoutes] {
        [MetricsRoutes(registry: PrometheusCollectorRegistry()), ProbeRoutes(readiness: readiness)]
    }

    /// Security by default: without a host the server listens on loopback only (the socket
    /// server once bound 0.0.0.0, every interface), read back from the kernel's own table.
    @Test func listensOnLoopbackUnlessToldOtherwise() async throws {
        let server = HTTPServer(port: 0, routes: routes, logger: quietLogger)
        #expect(server.host == "127.0.0.1")
        try await RunningServer.with(routes) { port async throws in
            let suffix = ":" + String(port, radix: 16, uppercase: true).leftPadded(to: 4)
            // The kernel writes /proc/net/tcp a page per read and sockets opened or closed in
            // between can be skipped, which the suites beside this one do by the hundred: read
            // it again until the port shows, and check every reading for a wildcard bind.
            var found = false
            for _ in 0..<200 where !found {
                let listening = try Self.listeningSockets()
                #expect(!listening.contains("00000000" + suffix))
                found = listening.contains("0100007F" + suffix)
                if !found { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(found, "127.0.0.1:\(port) is not among the listening sockets")
        }
    }

    /// Local addresses (`HEXADDR:HEXPORT`) of the sockets in LISTEN state.
    static func listeningSockets() throws -> [String] {
        // Read to the end through a file handle: the kernel reports the file's size as 0, and a
        // whole-file read sized from it can stop after the first page, which with the thousands of
        // sockets a full test run leaves in TIME_WAIT does not reach this server's.
        guard let handle = FileHandle(forReadingAtPath: "/proc/net/tcp") else { return [] }
        defer { try? handle.close() }
        let table = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
        return table.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 3, fields[3] == "0A" else { return nil } // 0A: LISTEN
            return String(fields[1])
        }
    }

    @Test func healthzAnswersOk() async throws {
        try await RunningServer.with(routes) { port async throws in
            let response = try RawHTTPClient.get("/healthz", port: port)
            #expect(response.status == 200)
            #expect(response.body == "ok")
            #expect(response.headers["content-type"] == "text/plain; charset=utf-8")
            #expect(response.headers["content-length"] == "2")
        }
    }

    @Test func readyzFollowsReadiness() async throws {
        let readiness = self.readiness
        try await RunningServer.with(routes) { port async throws in
            let before = try RawHTTPClient.get("/readyz", port: port)
            #expect(before.status == 503)
            #expect(before.body == "not ready")
            readiness.set(true)
            let after = try RawHTTPClient.get("/readyz", port: port)
            #expect(after.status == 200)
            #expect(after.body == "ready")
            readiness.set(false)
            #expect(try RawHTTPClient.get("/readyz", port: port).status == 503)
        }
    }

    @Test func unknownPathIs404AndQueryIsIgnored() async throws {
        try await RunningServer.with(routes) { port async throws in
            let missing = try RawHTTPClient.get("/nope", port: port)
            #expect(missing.status == 404)
            #expect(missing.body == "not found")
            #expect(try RawHTTPClient.get("/healthz?verbose=1", port: port).status == 200)
        }
    }

    @Test(arguments: ["POST", "HEAD", "PUT", "DELETE"])
    func nonGetIs405(method: String) async throws {
        try await RunningServer.with(routes) { port async throws in
            let body = method == "HEAD" ? "" : "Content-Length: 5\r\n"
            let request =
                "\(method) /metrics HTTP/1.1\r\nHost: x\r\n\(body)Connection: close\r\n\r\n\(body.isEmpty ? "" : "hello")"
            let response = try RawHTTPClient.send(request, port: port)
            #expect(response.status == 405)
            #expect(response.headers["allow"] == "GET")
        }
    }

    /// A malformed request is refused and its connection closed; the server serves on.
    @Test func malformedRequestIsRefusedAndTheServerServesOn() async throws {
        try await RunningServer.with(routes) { port async throws in
            #expect(try RawHTTPClient.send("garbage\r\n\r\n", port: port).status == 400)
            #expect(try RawHTTPClient.get("/healthz", port: port).status == 200)
        }
    }

    /// A client that never finishes its request head is not held for ever: the server closes
    /// the connection once the idle timeout passes (the close itself is the proof).
    @Test func stalledRequestIsClosedAfterTheIdleTimeout() async throws {
        try await RunningServer.with(routes, idleTimeout: .milliseconds(200)) { port async throws in
            let fd = try RawHTTPClient.connect(port: port)
            defer { close(fd) }
            try RawHTTPClient.write("GET /metrics HTTP/1.1\r\nHost:", to: fd)
            // Returns once the server closed; throws if the receive timeout (a hang guard, 30 s
            // here: 5 s passed once in a loaded full run) passes first. On a thread of its own,
            // so the wait holds none of the two cooperative threads every suite shares.
            var guardTime = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &guardTime, socklen_t(MemoryLayout<timeval>.size))
            let read: Result<Void, any Error> = await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: Result { _ = try RawHTTPClient.readToEnd(fd) }) }.start()
            }
            try read.get()
            #expect(try RawHTTPClient.get("/healthz", port: port).status == 200)
        }
    }

    /// The old socket server served one connection at a time: 5 idle keep-alive connections
    /// held /healthz back 10.5 s, until each had timed out. Here /healthz answers while all 5
    /// stay open, and each of them is still served afterwards: they were never queued in front
    /// of it, nor closed to make way.
    @Test func idleKeepAliveConnectionsDoNotHoldUpHealthz() async throws {
        try await RunningServer.with(routes) { port async throws in
            let idle = try (0..<5).map { _ in try RawHTTPClient.connect(port: port) }
            defer { for fd in idle { close(fd) } }
            // Each has been served once and is now idle, kept alive by the server.
            for fd in idle { #expect(try RawHTTPClient.get("/healthz", on: fd).status == 200) }
            #expect(try RawHTTPClient.get("/healthz", port: port).status == 200)
            for fd in idle { #expect(try RawHTTPClient.get("/readyz", on: fd).status == 503) }
        }
    }

    @Test func portInUseIsAnError() async throws {
        try await RunningServer.with(routes) { port async throws in
            let second = HTTPServer(host: "127.0.0.1", port: port, routes: routes, logger: quietLogger)
            await #expect {
                try await second.run()
            } throws: { error in
                (error as? HTTPServerError)?.port == port && "\(error)".contains("cannot listen on 127.0.0.1:\(port)")
            }
        }
    }

    @Test func badHostIsAnError() async throws {
        let server = HTTPServer(host: "not a host!", port: 0, routes: routes, logger: quietLogger)
        await #expect(throws: HTTPServerError.self) { try await server.run() }
    }

    @Test func gracefulShutdownClosesTheSocket() async throws {
        let port = try await RunningServer.with(routes) { port async throws -> Int in
            #expect(try RawHTTPClient.get("/healthz", port: port).status == 200)
            return port
        }
        #expect(throws: ClientError.self) { try RawHTTPClient.get("/healthz", port: port) }
    }

    /// 200 requests on one server all answered; their speed belongs in a benchmark, not here.
    @Test func serves200SequentialRequests() async throws {
        readiness.set(true)
        try await RunningServer.with(routes) { port async throws in
            for index in 0..<200 {
                let path = ["/metrics", "/healthz", "/readyz"][index % 3]
                #expect(try RawHTTPClient.get(path, port: port).status == 200)
            }
        }
    }
}

extension String {
    /// Zero-padded on the left to `width` characters, as /proc/net/tcp writes port numbers.
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
