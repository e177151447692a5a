// `ebbflow jobs retry ID | --discarded [--kind K]`: put discarded or cancelled jobs back in the queue.
import ArgumentParser
import EbbflowOperations
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
        let database = try await connection.connect()
        if let id {
            let operations = JobOperations(schema: try connection.schemaName)
            print(try await operations.retry(id: id, on: database).message)
            return
        }
        let store = JobStore(schema: try connection.schemaName)
        let kind = self.kind
        let (moved, kept) = try await database.withTransaction { connection in
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
