// `ebbflow queues limit QUEUE --rate N/s|N/m` or `--clear`: how fast a queue's jobs may start, across every worker.
import ArgumentParser
import EbbflowOperations

struct QueuesLimitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limit",
        abstract: "Limit how many of a queue's jobs start per second or minute, across every worker.",
        discussion: """
            The limit is kept by the database in each claim, so every worker process shares it, and
            running workers apply a new or cleared limit at their next claim. Jobs retried, snoozed or
            rescued count like any other start. At most one job starts at once up to 38/s (any
            one-second window then holds at most the limit plus one); above, at most 50 ms worth.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Queue name.") var queue: String
    // Unconditional: `--rate -3/s` is a value to refuse with its rule, not a missing value.
    @Option(parsing: .unconditional, help: "Jobs started at most: N/s or N/m, N from 1 to 100000 (14/s, 600/m).")
    var rate: String?
    @Flag(help: "Remove the queue's limit.") var clear = false

    func run() async throws {
        let queue = try QueueOperations.queue(self.queue, field: "QUEUE")
        let operations = QueueOperations(schema: try connection.schemaName)
        switch (rate, clear) {
        case (let rate?, false):
            let rate = try QueueOperations.rate(rate, field: "--rate")
            print(try await operations.limit(queue: queue, rate: rate, on: try await connection.connect()).message)
        case (nil, true):
            print(try await operations.clear(queue: queue, on: try await connection.connect()).message)
        case (.some, true):
            throw InputError("--rate and --clear exclude each other: give one")
        case (nil, false):
            throw InputError("give --rate N/s|N/m to set the limit, or --clear to remove it")
        }
    }
}
