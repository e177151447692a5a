// Extends the leases of the jobs this worker holds, so long jobs are not mistaken for dead ones.
import PostgresClient

struct LeaseHeartbeat: Sendable {
    let store: JobStore
    let workerID: String
    let leaseSeconds: Double

    func run(running ids: [Int64], on connection: isolated PGConnection) throws -> Int {
        try connection.execute(store.sql.workerHeartbeat, [workerID])
        guard !ids.isEmpty else { return 0 }
        return try connection.execute(store.sql.heartbeat, [workerID, leaseSeconds, ids])
    }
}
