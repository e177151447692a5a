// LISTENs on a connection of its own; a notification for one of the worker's queues wakes the claim loop.
import Logging
import PostgresClient
import ServiceLifecycle

/// Off behind pgbouncer in transaction mode, which cannot LISTEN (the claim loop then polls).
/// A lost connection is reopened every second; meanwhile the claim loop's poll keeps work moving.
struct NotificationListener: Service {
    let database: PGConfiguration
    let channel: String
    let queues: Set<String>
    let wake: WakeSignal
    /// Marked stale by a limit change of one of `queues` (`QueueLimitWatch.payload`).
    let limits: QueueLimitWatch
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown { [database, channel, queues, wake, limits, logger] in
            var connection: PGConnection?
            while !Task.isCancelled {
                do {
                    if connection == nil {
                        let opened = try await PGConnection.connect(database, logger: logger)
                        try await opened.listen(channel)
                        connection = opened
                        limits.invalidate() // any limit changed while we were not listening
                        wake.wake() // anything enqueued while we were not listening
                    }
                    let notes = try await connection!.waitForNotifications(timeout: .seconds(5))
                    let changed = notes.contains { note in
                        QueueLimitWatch.queue(fromPayload: note.payload).map { queues.contains($0) } ?? false
                    }
                    if changed { limits.invalidate() }
                    if changed || notes.contains(where: { queues.contains($0.payload) }) { wake.wake() }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning(
                        "listener lost its connection; polling until it is back", metadata: ["error": "\(error)"])
                    connection = nil
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            await connection?.close()
        }
    }
}
