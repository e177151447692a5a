// The maintenance runner over typed services: each on its own period, a failing one not stopping the others, wake-ups.
import EbbflowCore
import EbbflowTestSupport
import Foundation
import Logging
import PostgresClient
import ServiceLifecycle
import Synchronization
import Testing

@testable import EbbflowQueue

@Suite struct MaintenanceRunnerTests {
    /// Runs per service name, counted on the connection's thread.
    final class Runs: Sendable {
        private let counts = Mutex<[String: Int]>([:])
        func count(_ name: String) { counts.withLock { $0[name, default: 0] += 1 } }
        subscript(name: String) -> Int { counts.withLock { $0[name] ?? 0 } }
    }

    struct Failed: Error {}

    /// A service due every tick runs again and again, one due hourly runs once, one that
    /// throws is retried on its period without keeping the others from running, and a service
    /// that made work due wakes the claim loop (the wake signal is pending afterwards).
    @Test(.timeLimit(.minutes(5))) func eachServiceRunsOnItsOwnPeriod() async throws {
        do {
            var logger = Logger(label: "test.maintenance")
            logger.logLevel = .critical
            let pool = PGPool(
                try TestDatabase.configuration, maxConnections: 2, acquireTimeout: .seconds(60), logger: logger)
            let runs = Runs()
            let wake = WakeSignal()
            let services = [
                MaintenanceService(name: "hourly", period: .seconds(3600), makesWorkDue: false) { _ in
                    runs.count("hourly")
                    return 0
                },
                MaintenanceService(name: "failing", period: .zero, makesWorkDue: true) { _ in
                    runs.count("failing")
                    throw Failed()
                },
                MaintenanceService(name: "every tick", period: .zero, makesWorkDue: true) { connection in
                    runs.count("every tick")
                    return try connection.query("SELECT 1 AS one").count
                },
            ]
            let runner = MaintenanceRunner(
                services: services, tick: .milliseconds(5), pool: pool, wake: wake, logger: logger)
            let group = ServiceGroup(services: [runner], logger: logger)
            let running = Task { try await group.run() }
            while runs["every tick"] < 5 { try await Task.sleep(for: .milliseconds(5)) }
            await group.triggerGracefulShutdown()
            try await running.value // graceful shutdown ends the runner
            await pool.close()
            #expect(runs["hourly"] == 1)
            #expect(runs["failing"] >= 4, "a throwing service is run again on its period")
            // Woken by "every tick": a wait on a pending signal returns at once, whatever its timeout.
            await wake.wait(timeout: .seconds(3600))
        }
    }
}
