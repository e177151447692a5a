// Samples unfinished jobs by queue and state into the `ebbflow_queue_jobs` gauge.
import Foundation
import PostgresClient

struct QueueDepthSampler: Sendable {
    let store: JobStore
    /// Series seen in the previous sample: one that disappears is set to 0, not left stale.
    let previous: DepthMemory

    func run(on connection: isolated PGConnection) throws -> Int {
        var seen = Set<[String]>()
        for row in try connection.query(store.sql.depth).rows {
            let queue: String = try row.decode("queue"), state: String = try row.decode("state")
            QueueMetrics.depth(queue: queue, state: state, jobs: try row.decode("jobs"))
            seen.insert([queue, state])
        }
        for gone in previous.replace(with: seen).subtracting(seen) {
            QueueMetrics.depth(queue: gone[0], state: gone[1], jobs: 0)
        }
        return 0
    }
}

final class DepthMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var keys = Set<[String]>()
    /// Stores `new` and returns what was there before.
    func replace(with new: Set<[String]>) -> Set<[String]> {
        lock.withLock {
            defer { keys = new }; return keys
        }
    }
}
