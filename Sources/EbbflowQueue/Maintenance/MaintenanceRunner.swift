// Runs a list of maintenance services, each on its own period, until graceful shutdown.
import Logging
import PostgresClient
import ServiceLifecycle

/// A lifecycle Service over typed `MaintenanceService`s. A worker runs two: the lease
/// heartbeat alone (also in drain mode), so slow maintenance can never let a live job's lease
/// lapse, and the periodic services (rescue, prune, schedules, depth, statistics).
struct MaintenanceRunner: Service {
    let services: [MaintenanceService]
    /// How often the runner looks for due services; no service runs more often than this.
    let tick: Duration
    let pool: PGPool
    /// Woken when a service made work due.
    let wake: WakeSignal
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown { await loop() }
    }

    private func loop() async {
        var lastRun: [ContinuousClock.Instant?] = Array(repeating: nil, count: services.count)
        while !Task.isCancelled {
            var madeWork = false
            for (index, service) in services.enumerated() {
                if Task.isCancelled { return }
                if let last = lastRun[index], ContinuousClock.now - last < service.period { continue }
                lastRun[index] = .now
                if await runOnce(service) > 0 && service.makesWorkDue { madeWork = true }
            }
            if madeWork { wake.wake() }
            try? await Task.sleep(for: tick)
        }
    }

    private func runOnce(_ service: MaintenanceService) async -> Int {
        do {
            let count = try await pool.withConnection { connection in
                try await connection.run { try service.run($0) }
            }
            if count > 0 { logger.debug("maintenance", metadata: ["service": "\(service.name)", "rows": "\(count)"]) }
            return count
        } catch {
            if !Task.isCancelled {
                logger.warning(
                    "maintenance step failed", metadata: ["service": "\(service.name)", "error": "\(error)"])
            }
            return 0
        }
    }
}
