// Returns the jobs of dead workers to the queue once their leases expire (or discards them).
import Foundation
import PostgresClient

/// A worker that dies (SIGKILL, OOM, a lost node, a trap in a handler) stops renewing its
/// leases. Its jobs go back to `retryable` with a `lease_expired` error, or are discarded if
/// they used their last attempt. The attempt is counted at claim, so a job that kills every
/// worker that claims it is discarded after `max_attempts` deaths, never run for ever
/// (`WorkerProcessTests.aJobThatKillsItsWorkerIsDiscardedAfterMaxAttempts`).
struct Rescuer: Sendable {
    let store: JobStore
    var batch = 1000

    func run(on connection: isolated PGConnection) throws -> Int {
        try connection.withTransactionSync {
            let now = try store.now(on: connection)
            let rescued = try connection.query(store.sql.rescue, [now, batch]).count
            let exhausted: [(id: Int64, attempt: Int)] = try connection.query(store.sql.expiredExhausted, [batch]).rows
                .map {
                    (try $0.decode("id"), try $0.decode("attempt"))
                }
            for (id, attempt) in exhausted {
                let error = JobError(
                    at: now, attempt: attempt, kind: .leaseExpired,
                    message: "the worker holding it stopped renewing its lease on the last attempt")
                try store.discard(id, worker: nil, now: now, error: error, on: connection)
            }
            try connection.execute(store.sql.forgetDeadWorkers, [3600.0])
            return rescued
        }
    }
}
