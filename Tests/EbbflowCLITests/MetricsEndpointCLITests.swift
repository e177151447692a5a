// A worker with --metrics-port serves Prometheus metrics, /healthz and /readyz (and promtool accepts them).
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct MetricsEndpointCLITests {
    /// A metrics port another worker holds ends the second worker, with its reason, before it
    /// claims anything: its jobs are all still waiting, no attempt charged.
    @Test func aPortInUseEndsTheWorkerBeforeItClaims() async throws {
        let (holderSchema, schema) = (TestDatabase.uniqueSchemaName("mh"), TestDatabase.uniqueSchemaName("mb"))
        let url = try TestDatabase.url
        for name in [holderSchema, schema] {
            #expect(try await EbbflowBinary.run(["migrate", "--schema", name, "--database-url", url]).exitCode == 0)
        }
        #expect(
            try await EbbflowBinary.run([
                "jobs", "enqueue", "counter", "--count", "20", "--schema", schema, "--database-url", url,
            ]).exitCode == 0)
        let port = HTTPProbe.randomPort()
        let (holder, _, _) = try EbbflowBinary.start([
            "worker", "--schema", holderSchema, "--database-url", url, "--metrics-port", "\(port)",
            "--log-level", "error",
        ])
        var health = ""
        while holder.isRunning && !health.contains("200") {
            health = (try? await HTTPProbe.get(port: port, path: "/healthz")) ?? ""
            if !health.contains("200") { try await Task.sleep(for: .milliseconds(50)) }
        }
        let refused = try await EbbflowBinary.run([
            "worker", "--schema", schema, "--database-url", url, "--metrics-port", "\(port)",
            "--log-level", "error",
        ])
        holder.terminate()
        await OffPool.waitForExit(holder)
        let connection = try await TestDatabase.connect()
        let untouched = try await connection.query(
            "SELECT count(*)::int AS n FROM \"\(schema)\".jobs WHERE kind = 'counter' AND state::text = 'available' AND attempt = 0"
        ).first!.decode("n", as: Int.self)
        await connection.close()
        for name in [holderSchema, schema] { try await TestDatabase.dropSchema(name) }
        #expect(health.contains("200"), "the first worker never served")
        #expect(refused.exitCode != 0 && refused.stderr.contains("cannot serve metrics"), "\(refused.output)")
        #expect(untouched == 20)
    }

    @Test func workerServesMetricsAndProbes() async throws {
        let schema = TestDatabase.uniqueSchemaName("mx")
        let url = try TestDatabase.url
        #expect(try await EbbflowBinary.run(["migrate", "--schema", schema, "--database-url", url]).exitCode == 0)
        #expect(
            try await EbbflowBinary.run([
                "jobs", "enqueue", "counter", "--count", "50", "--schema", schema, "--database-url", url,
            ]).exitCode == 0)
        // Undecodable args: thrown, never retried, so counted as the discard it is.
        #expect(
            try await EbbflowBinary.run([
                "jobs", "enqueue", "sleep", "--args", "{\"ms\": \"soon\"}", "--schema", schema, "--database-url", url,
            ]).exitCode == 0)
        let port = HTTPProbe.randomPort()
        let (worker, _, _) = try EbbflowBinary.start([
            "worker", "--schema", schema, "--database-url", url, "--metrics-port", "\(port)",
            "--metrics-host", "127.0.0.1", "--log-level", "error",
        ])
        var metrics = ""
        var ready = ""
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(100))
            ready = (try? await HTTPProbe.get(port: port, path: "/readyz")) ?? ""
            metrics = (try? await HTTPProbe.get(port: port, path: "/metrics")) ?? ""
            if metrics.contains("ebbflow_jobs_total{queue=\"default\",outcome=\"completed\"} 50")
                && metrics.contains("outcome=\"discarded\"")
            {
                break
            }
        }
        let health = (try? await HTTPProbe.get(port: port, path: "/healthz")) ?? ""
        worker.terminate()
        await OffPool.waitForExit(worker)
        try await TestDatabase.dropSchema(schema)
        #expect(ready.contains("200") && ready.contains("ready"), "\(ready)")
        #expect(health.contains("200"), "\(health)")
        #expect(
            metrics.contains("ebbflow_jobs_total{queue=\"default\",outcome=\"completed\"} 50"),
            "\(metrics.prefix(2000))")
        #expect(
            metrics.contains("ebbflow_jobs_total{queue=\"default\",outcome=\"discarded\"} 1"), "\(metrics.prefix(2000))"
        )
        #expect(metrics.contains("# TYPE ebbflow_job_duration_seconds histogram"))
        #expect(metrics.contains("# HELP ebbflow_jobs_total"))
        // scripts/test finds or fetches promtool (EBBFLOW_PROMTOOL); run without it, the lint is
        // left out, and says so.
        let promtool =
            ProcessInfo.processInfo.environment["EBBFLOW_PROMTOOL"].flatMap { $0.isEmpty ? nil : $0 }
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
            await OffPool.waitForExit(check)
            let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(check.terminationStatus == 0, "promtool: \(said)")
        }
    }
}
