// Deletes finished jobs past their retention, in small batches so no statement holds locks long.
import Foundation
import PostgresClient

struct Pruner: Sendable {
    let store: JobStore
    let completedRetention: Double
    let discardedRetention: Double
    var batch = 5000
    /// Batches per state per pass: a large backlog is worked off over several passes, so a
    /// pass never holds up the services that run after it.
    var maxBatchesPerPass = 10

    func run(on connection: isolated PGConnection) throws -> Int {
        let now = try store.now(on: connection)
        var deleted = 0
        for (state, retention) in [
            ("completed", completedRetention), ("discarded", discardedRetention), ("cancelled", discardedRetention),
        ] {
            for _ in 0..<maxBatchesPerPass {
                let count = try connection.execute(store.sql.prune, [state, now.addingTimeInterval(-retention), batch])
                deleted += count
                if count < batch { break }
            }
        }
        return deleted
    }
}
