// The endpoint over real sockets: routes, readiness, errors, limits, stop, and sequential load.
import EbbflowMetrics
import Foundation
import Glibc
import Prometheus
import Testing

/// Each test starts its own endpoint on an ephemeral port, so tests run in parallel safely.
/// The client blocks its (cooperative-pool) test thread; that cannot starve the server,
/// which answers from its own thread.
@Suite struct MetricsEndpointTests {
    private func started(requestTimeout: Duration = .seconds(2)) throws -> (MetricsEndpoint, Int) {
        let endpoint = MetricsEndpoint(
            registry: PrometheusCollectorRegistry(), host: "127.0.0.1", port: 0, requestTimeout: requestTimeout,
            logger: quietLogger
        )
        let port = try endpoint.start()
        #expect(port > 0)
        #expect(endpoint.boundPort == port)
        return (endpoint, port)
    }

    /// Security by default: without a host the endpoint listens on loopback only (it bound
    /// 0.0.0.0, every interface), read back from the kernel's own table of listening sockets.
    @Test func listensOnLoopbackUnlessToldOtherwise() throws {
        let endpoint = MetricsEndpoint(registry: PrometheusCollectorRegistry(), port: 0, logger: quietLogger)
        let port = try endpoint.start()
        defer { endpoint.stop() }
        #expect(endpoint.host == "127.0.0.1")
        let table = try String(contentsOfFile: "/proc/net/tcp", encoding: .utf8)
        let listening = table.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 3, fields[3] == "0A" else { return nil }  // 0A: LISTEN
            return String(fields[1])
        }
        let suffix = ":" + String(port, radix: 16, uppercase: true).leftPadded(to: 4)
        #expect(listening.contains("0100007F" + suffix), "listening sockets: \(listening.filter { $0.hasSuffix(suffix) })")
        #expect(!listening.contains("00000000" + suffix))
    }

    @Test func healthzAnswersOk() throws {
        let (endpoint, port) = try started()
        defer { endpoint.stop() }
        let response = try RawHTTPClient.get("/healthz", port: port)
        #expect(response.status == 200)
        #expect(response.body == "ok")
        #expect(response.headers["connection"] == "close")
        #expect(response.headers["content-length"] == "2")
    }

    @Test func readyzFollowsSetReady() throws {
        let (endpoint, port) = try started()
        defer { endpoint.stop() }
        let before = try RawHTTPClient.get("/readyz", port: port)
        #expect(before.status == 503)
        #expect(before.body == "not ready")
        endpoint.setReady(true)
        let after = try RawHTTPClient.get("/readyz", port: port)
        #expect(after.status == 200)
        #expect(after.body == "ready")
        endpoint.setReady(false)
        #expect(try RawHTTPClient.get("/readyz", port: port).status == 503)
    }

    @Test func unknownPathIs404AndQueryIsIgnored() throws {
        let (endpoint, port) = try started()
        defer { endpoint.stop() }
        #expect(try RawHTTPClient.get("/nope", port: port).status == 404)
        #expect(try RawHTTPClient.get("/healthz?verbose=1", port: port).status == 200)
    }

    @Test(arguments: ["POST", "HEAD", "PUT", "DELETE"])
    func nonGetIs405(method: String) throws {
        let (endpoint, port) = try started()
        defer { endpoint.stop() }
        let request = "\(method) /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        let response = try RawHTTPClient.send(request, port: port)
        #expect(response.status == 405)
        #expect(response.headers["allow"] == "GET")
    }

    @Test func malformedOversizedAndSlowRequestsGetErrors() throws {
        let (endpoint, port) = try started(requestTimeout: .milliseconds(200))
        defer { endpoint.stop() }
        #expect(try RawHTTPClient.send("garbage\r\n\r\n", port: port).status == 400)
        let huge = "GET /metrics HTTP/1.1\r\nX-Filler: \(String(repeating: "a", count: 10_000))\r\n\r\n"
        #expect(try RawHTTPClient.send(huge, port: port).status == 431)
        // Never finishes its head: answered 408 once the timeout passes, not held forever (the
        // 408 itself is the proof; how soon is the machine's speed).
        #expect(try RawHTTPClient.send("GET /metrics HTTP/1.1\r\nHost:", port: port).status == 408)
        // The endpoint still serves afterwards.
        #expect(try RawHTTPClient.get("/healthz", port: port).status == 200)
    }

    @Test func portInUseIsATypedError() throws {
        let (endpoint, port) = try started()
        defer { endpoint.stop() }
        let second = MetricsEndpoint(registry: PrometheusCollectorRegistry(), host: "127.0.0.1", port: port, logger: quietLogger)
        #expect(throws: MetricsEndpointError.portInUse(port: port)) { try second.start() }
        #expect(MetricsEndpointError.portInUse(port: 9090).description == "port 9090 is already in use")
    }

    @Test func badHostIsATypedError() {
        let endpoint = MetricsEndpoint(registry: PrometheusCollectorRegistry(), host: "not a host!", port: 0, logger: quietLogger)
        #expect {
            try endpoint.start()
        } throws: { error in
            if case .invalidHost = error as? MetricsEndpointError { return true }
            return false
        }
    }

    @Test func stopClosesTheSocketAndIsFinal() throws {
        let (endpoint, port) = try started()
        endpoint.stop()
        endpoint.stop()  // idempotent
        #expect(endpoint.boundPort == nil)
        #expect(throws: ClientError.self) { try RawHTTPClient.get("/healthz", port: port) }
        #expect(throws: MetricsEndpointError.alreadyStarted) { try endpoint.start() }
        // The port is free again for a new endpoint.
        let again = MetricsEndpoint(registry: PrometheusCollectorRegistry(), host: "127.0.0.1", port: port, logger: quietLogger)
        #expect(try again.start() == port)
        again.stop()
    }

    /// 200 requests on one endpoint all answered; their speed belongs in a benchmark, not here.
    @Test func serves200SequentialRequests() throws {
        let (endpoint, port) = try started()
        defer { endpoint.stop() }
        endpoint.setReady(true)
        for index in 0..<200 {
            let path = ["/metrics", "/healthz", "/readyz"][index % 3]
            #expect(try RawHTTPClient.get(path, port: port).status == 200)
        }
    }
}

extension String {
    /// Zero-padded on the left to `width` characters, as /proc/net/tcp writes port numbers.
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
