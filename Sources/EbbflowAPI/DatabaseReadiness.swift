// Keeps /readyz true to the database: ready while a pooled statement answers, 503 while none does.
import EbbflowHTTP
import Logging
import PostgresClient
import ServiceLifecycle

/// Why a probe of its own: a load balancer should send a `serve` process no requests it would
/// answer 503 to. Each check borrows a pooled connection, so a pool exhausted by stalled
/// requests reads as not ready too. The change is logged once, not every check.
public struct DatabaseReadiness: Service {
    let database: APIDatabase
    let readiness: Readiness
    let interval: Duration
    let logger: Logger

    public init(database: APIDatabase, readiness: Readiness, interval: Duration = .seconds(2), logger: Logger) {
        self.database = database
        self.readiness = readiness
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        // A shutdown ends the wait between checks at once, not after the interval.
        await cancelWhenGracefulShutdown {
            var wasReady: Bool? = nil
            while !Task.isCancelled {
                let ready: Bool
                do {
                    _ = try await database.run { connection in try connection.query("SELECT 1") }
                    ready = true
                } catch {
                    ready = false
                }
                readiness.set(ready)
                if ready != wasReady {
                    if ready {
                        logger.info("database reachable: ready")
                    } else {
                        logger.warning("database unreachable: not ready")
                    }
                    wasReady = ready
                }
                try? await Task.sleep(for: interval)
            }
        }
        readiness.set(false)
    }
}
