// Runs the stall monitor beside a process's services and ties it to the process's /readyz.
import EbbflowHTTP
import Logging
import PostgresClient
import ServiceLifecycle

/// `StallMonitor` as a service: /readyz answers 503 while a statement of the process waits on
/// the database past the bound (`EBBFLOW_STALL_SECONDS`), 200 again when none does (unless
/// something else says not ready). It ends with the group's graceful shutdown.
struct StallWatch: Service {
    let monitor: StallMonitor

    init(bound: Duration, database: PGConfiguration, readiness: Readiness, logger: Logger) {
        monitor = StallMonitor(bound: bound, database: database, logger: logger) { readiness.setStalled($0) }
    }

    func run() async {
        await cancelWhenGracefulShutdown { await monitor.run() }
    }
}
