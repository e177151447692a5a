// `ebbflow jobs retry ID | --discarded [--kind K]`: put discarded or cancelled jobs back in the queue.
import ArgumentParser
import EbbflowQueue

struct JobsRetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retry", abstract: "Run discarded or cancelled jobs again.")

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
        let moved = try await database.withTransaction { connection in
            if let id {
                guard let job = try store.find(id, on: connection) else { throw QueueError.notFound(id) }
                guard ["discarded", "cancelled"].contains(job.state) else { throw QueueError.wrongState(id, job.state, "retry") }
                return try store.retryFinished([id], on: connection)
            }
            return try store.retryFinished(try store.discardedIDs(kind: kind, limit: 1_000_000, on: connection), on: connection)
        }
        print("requeued \(moved.count) job(s)")
    }
}
