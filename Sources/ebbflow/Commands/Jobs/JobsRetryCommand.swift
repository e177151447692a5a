// `ebbflow jobs retry ID | --discarded [--kind K]`: put discarded or cancelled jobs back in the queue.
import ArgumentParser
import EbbflowQueue

struct JobsRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Run discarded or cancelled jobs again.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Job id.") var id: Int64?
    @Flag(help: "All discarded jobs (optionally of --kind).") var discarded = false
    @Option(help: "With --discarded: only this kind.") var kind: String?

    func validate() throws {
        guard (id != nil) != discarded else { throw InputError("give a job ID or --discarded, not both or neither") }
        if kind != nil && !discarded { throw InputError("--kind goes with --discarded") }
    }

    func run() async throws {
        let store = JobStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let (id, kind) = (self.id, self.kind)
        let (moved, kept) = try await database.withTransaction { connection in
            if let id {
                guard let job = try store.find(id, on: connection) else { throw QueueError.notFound(id) }
                guard ["discarded", "cancelled"].contains(job.state) else {
                    throw QueueError.wrongState(id, job.state, "retry")
                }
                let moved = try store.retryFinished([id], on: connection)
                if moved.isEmpty, let key = job.uniqueKey,
                    let holder = try store.holder(ofUniqueKey: key, on: connection)
                {
                    throw QueueError.invalid(
                        "job \(id) was not retried: its unique key \"\(key)\" is held by unfinished job \(holder)")
                }
                return (moved, 0)
            }
            let candidates = try store.discardedIDs(kind: kind, limit: 1_000_000, on: connection)
            let moved = try store.retryFinished(candidates, on: connection)
            return (moved, candidates.count - moved.count)
        }
        var report = "requeued \(moved.count) job(s)"
        if kept > 0 {
            report += "; \(kept) left discarded: an unfinished job (or a newer discarded one) holds their unique key"
        }
        print(report)
    }
}
