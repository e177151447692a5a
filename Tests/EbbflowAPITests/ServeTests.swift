// `ebbflow serve` as a process: probes and metrics on the API's port, 404/405 answers, readiness, graceful exit on SIGTERM.
import EbbflowTestSupport
import Foundation
import Testing

@Suite struct ServeTests {
    @Test func probesMetricsAndTheDescriptionShareThePort() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            #expect(try await client.send("GET", "/healthz").text == "ok")
            #expect(try await client.send("GET", "/readyz").text == "ready")
            #expect(try await client.send("GET", "/metrics").status == 200)
            let description = try await client.send("GET", "/openapi.yaml")
            #expect(description.status == 200)
            #expect(description.text.contains("\nopenapi: 3.1.0\n"))
        }
    }

    @Test func unknownPathsAre404AndWrongMethods405WithAllow() async throws {
        try await ServeProcess.with { server in
            let client = APIClient(server: server)
            let missing = try await client.send("GET", "/v1/nothing-here")
            #expect(missing.status == 404)
            #expect(missing.json["error"] as? String == "no such endpoint: /v1/nothing-here")
            #expect(try await client.send("GET", "/nothing").text == "not found")
            let probe = try await client.send("POST", "/healthz", body: Data("x".utf8))
            #expect(probe.status == 405)
            #expect(probe.header("Allow") == "GET")
        }
    }

    @Test func sigtermExitsZero() async throws {
        try await ServeProcess.with { server in
            await server.kill(SIGTERM)
            #expect(await server.waitForExit() == 0)
        }
    }

    @Test func sigtermFinishesARequestInFlightAndTakesNoNewOnes() async throws {
        try await ServeProcess.with { server in
            let key = try await server.createKey("site", scope: "ingest")
            let body = #"{"userId": "c-slow", "event": "click", "messageId": "in-flight-1"}"#
            let connection = try RawHTTPConnection(port: server.port)
            let head =
                "POST /v1/track HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer \(key)\r\n"
                + "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
            // The request is in flight: its head and half its body are in, the rest comes after SIGTERM.
            #expect(await connection.send(head + body.prefix(10)))
            try await Task.sleep(for: .milliseconds(200))
            await server.kill(SIGTERM)
            // Shutting down: not ready, then no new connection is answered.
            let client = APIClient(server: server)
            var refused = false
            for _ in 0..<600 where !refused {
                refused = (try? await client.send("GET", "/readyz"))?.status != 200
                if !refused { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(refused)
            #expect(await connection.send(String(body.dropFirst(10))))
            let response = await connection.responseAfterEnd()
            #expect(response.hasPrefix("HTTP/1.1 200"), "\(response.prefix(300))")
            #expect(await server.waitForExit() == 0)
            #expect(try await IngestHTTPTests.storedCount(server, messageIDs: ["in-flight-1"]) == 1)
        }
    }

    @Test func anUnmigratedSchemaIsRefusedInOneLine() async throws {
        let schema = TestDatabase.uniqueSchemaName("bare")
        let result = try await EbbflowBinary.run(["serve", "--schema", schema, "--port", "0"], timeout: .seconds(60))
        #expect(result.exitCode == 1)
        #expect(result.stderr.contains("run `ebbflow migrate` first"))
    }

    @Test func badHostsAndPortsAreRefused() async throws {
        let cases: [([String], [String: String], String)] = [
            (["--host", " "], [:], "--host must name an address"),
            (["--port", "70000"], [:], "--port must be 0...65535"),
            ([], ["EBBFLOW_HTTP_PORT": "eighty"], "EBBFLOW_HTTP_PORT must be a port"),
            ([], ["EBBFLOW_HTTP_HOST": ""], "EBBFLOW_HTTP_HOST must name an address"),
            (["--connections", "0"], [:], "--connections must be 1...500"),
        ]
        for (arguments, environment, message) in cases {
            let result = try await EbbflowBinary.run(
                ["serve"] + arguments, environment: environment, timeout: .seconds(60))
            #expect(result.exitCode != 0)
            #expect(result.stderr.contains(message), "\(arguments) \(environment): \(result.stderr)")
        }
    }
}
