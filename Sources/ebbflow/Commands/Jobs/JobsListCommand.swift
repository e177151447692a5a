// `ebbflow jobs list`: newest jobs first, filtered by state, queue or kind.
import ArgumentParser
import EbbflowQueue

struct JobsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List jobs, newest first.")

    static let states = ["scheduled", "available", "running", "retryable", "completed", "discarded", "cancelled"]

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "One of: \(Self.states.joined(separator: ", ")).") var state: String?
    @Option(help: "Queue name.") var queue: String?
    @Option(help: "Job kind.") var kind: String?
    @Option(parsing: .unconditional, help: "At most this many.") var limit = 50
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if let state, !Self.states.contains(state) {
            throw InputError("--state must be one of \(Self.states.joined(separator: ", ")); got \(state)")
        }
        guard limit > 0 && limit <= 100_000 else { throw InputError("--limit must be 1...100000, got \(limit)") }
    }

    func run() async throws {
        let store = JobStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let (state, queue, kind, limit) = (self.state, self.queue, self.kind, self.limit)
        let rows = try await database.run {
            try store.list(state: state, queue: queue, kind: kind, limit: limit, on: $0)
        }
        if json {
            print(try Output.json(rows.map(Output.jobObject)))
            return
        }
        print(
            Output.table(
                ["ID", "STATE", "QUEUE", "KIND", "ATTEMPT", "RUN AT"],
                rows.map {
                    ["\($0.id)", $0.state, $0.queue, $0.kind, "\($0.attempt)/\($0.maxAttempts)", Output.time($0.runAt)]
                }))
    }
}
