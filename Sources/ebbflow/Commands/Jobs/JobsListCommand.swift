// `ebbflow jobs list`: newest jobs first, filtered by state, queue or kind.
import ArgumentParser
import EbbflowOperations
import EbbflowQueue

struct JobsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List jobs, newest first.")

    /// The command line reads one page as large as asked (the API's pages are smaller).
    static let maximumLimit = 100_000

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "One of: \(JobOperations.states.joined(separator: ", ")).") var state: String?
    @Option(help: "Queue name.") var queue: String?
    @Option(help: "Job kind.") var kind: String?
    @Option(parsing: .unconditional, help: "At most this many.") var limit = 50
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        _ = try JobOperations.state(state)
        _ = try JobOperations.limit(limit, maximum: Self.maximumLimit)
    }

    func run() async throws {
        let operations = JobOperations(schema: try connection.schemaName)
        let page = try await operations.list(
            state: state, queue: queue, kind: kind, limit: limit, maximumLimit: Self.maximumLimit,
            on: try await connection.connect())
        if json {
            print(try Output.json(page.itemsDocument))
            return
        }
        print(
            Output.table(
                ["ID", "STATE", "QUEUE", "KIND", "ATTEMPT", "RUN AT"],
                page.rows.map {
                    ["\($0.id)", $0.state, $0.queue, $0.kind, "\($0.attempt)/\($0.maxAttempts)", Output.time($0.runAt)]
                }))
    }
}
