// A worker with --metrics-port serves Prometheus metrics, /healthz and /readyz (and promtool accepts them).
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct MetricsEndpointCLITests {
    @Test func workerServesMetricsAndProbes() async throws {
        let schema = TestDatabase.uniqueSchemaName("mx")
        let url = try TestDatabase.url
        #expect(try await EbbflowBinary.run(["migrate", "--schema", schema, "--database-url", url]).exitCode == 0)
        #expect(try await EbbflowBinary.run(["jobs", "enqueue", "counter", "--count", "50", "--schema", schema, "--database-url", url]).exitCode == 0)
        let port = 20_000 + Int.random(in: 0..<20_000)
        let (worker, _, _) = try EbbflowBinary.start(["worker", "--schema", schema, "--database-url", url, "--metrics-port", "\(port)",
                                                      "--metrics-host", "127.0.0.1", "--log-level", "error"])
        var metrics = ""
        var ready = ""
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            ready = (try? await httpGet(port: port, path: "/readyz")) ?? ""
            metrics = (try? await httpGet(port: port, path: "/metrics")) ?? ""
            if metrics.contains("ebbflow_jobs_total{queue=\"default\",outcome=\"completed\"} 50") { break }
        }
        let health = (try? await httpGet(port: port, path: "/healthz")) ?? ""
        worker.terminate()
        worker.waitUntilExit()
        try await TestDatabase.dropSchema(schema)
        #expect(ready.contains("200") && ready.contains("ready"), "\(ready)")
        #expect(health.contains("200"), "\(health)")
        #expect(metrics.contains("ebbflow_jobs_total{queue=\"default\",outcome=\"completed\"} 50"), "\(metrics.prefix(2000))")
        #expect(metrics.contains("# TYPE ebbflow_job_duration_seconds histogram"))
        #expect(metrics.contains("# HELP ebbflow_jobs_total"))
        // scripts/test finds or fetches promtool (EBBFLOW_PROMTOOL); run without it, the lint is
        // left out, and says so.
        let promtool = ProcessInfo.processInfo.environment["EBBFLOW_PROMTOOL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") ? "/usr/bin/promtool" : nil)
        if promtool == nil { print("MetricsEndpointCLITests: no promtool; /metrics not linted") }
        if let promtool {
            let body = String(metrics[(metrics.range(of: "\r\n\r\n")?.upperBound ?? metrics.startIndex)...])
            let check = Process()
            check.executableURL = URL(fileURLWithPath: promtool)
            check.arguments = ["check", "metrics"]
            let input = Pipe(), output = Pipe()
            check.standardInput = input
            check.standardOutput = output
            check.standardError = output
            try check.run()
            input.fileHandleForWriting.write(Data(body.utf8))
            try input.fileHandleForWriting.close()
            check.waitUntilExit()
            let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(check.terminationStatus == 0, "promtool: \(said)")
        }
    }

    /// A plain HTTP/1.1 GET over a socket; returns status line, headers and body.
    func httpGet(port: Int, path: String) async throws -> String {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        let request = "GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        _ = request.withCString { send(socketFD, $0, strlen($0), 0) }
        var response = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(socketFD, &buffer, buffer.count, 0)
            if count <= 0 { break }
            response.append(buffer, count: count)
        }
        return String(decoding: response, as: UTF8.self)
    }
}
