// A database that stops answering, for a real `ebbflow serve`: /readyz follows the stall, it is logged once with its wait, and SIGTERM still ends the process.
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct ServeStallTests {
    /// Holds `LOCK TABLE … IN ACCESS EXCLUSIVE MODE` on the server's api_keys in an open
    /// transaction of the test's own: the lookup of a key not verified before waits on it.
    func lockKeys(_ server: ServeProcess) async throws -> PGConnection {
        let holder = try await TestDatabase.connect()
        try await holder.simpleQuery("BEGIN; LOCK TABLE \"\(server.schema)\".api_keys IN ACCESS EXCLUSIVE MODE")
        return holder
    }

    func readyz(_ server: ServeProcess, _ status: Int) async throws -> Bool {
        let client = APIClient(server: server)
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if (try? await client.send("GET", "/readyz"))?.status == status { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    func logs(_ server: ServeProcess, _ text: String) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if server.log.contains(text) { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test(.timeLimit(.minutes(6))) func aStalledRequestTurnsReadinessOffAndSigtermStillEnds() async throws {
        try await ServeProcess.with(
            arguments: ["--shutdown-timeout", "2", "--log-level", "info"], environment: ["EBBFLOW_STALL_SECONDS": "1"]
        ) { server in
            // One key per stalled request: a key verified once is taken from memory afterwards.
            let (first, second) = (
                try await server.createKey("first", scope: "read"), try await server.createKey("second", scope: "read")
            )
            let client = APIClient(server: server)
            var holder = try await lockKeys(server)
            let stalled = Task { try? await client.send("GET", "/v1/contacts/p-1", key: first) }
            #expect(try await readyz(server, 503), "not ready while a request waits on the lock: \(server.log)")
            #expect(try await logs(server, "database stalled"), "\(server.log)")
            #expect(try await logs(server, "server_wait=Lock/relation"), "\(server.log)")
            try await holder.simpleQuery("ROLLBACK")
            #expect(try await readyz(server, 200), "ready again: \(server.log)")
            _ = await stalled.value
            #expect(server.log.components(separatedBy: "database stalled").count == 2, "logged once: \(server.log)")
            holder = try await lockKeys(server)
            let again = Task { try? await client.send("GET", "/v1/contacts/p-1", key: second) }
            #expect(try await readyz(server, 503))
            await server.kill(SIGTERM)
            let status = await server.waitForExit()
            try await holder.simpleQuery("ROLLBACK")
            _ = await again.value
            #expect(status == 0, "exits once the stalled request is cancelled: \(server.log)")
        }
    }
}
