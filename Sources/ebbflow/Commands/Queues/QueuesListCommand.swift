// `ebbflow queues list`: each queue's unfinished jobs, workers and rate limit.
import ArgumentParser
import EbbflowOperations
import EbbflowQueue
import Foundation

struct QueuesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "Each queue's unfinished jobs, workers and rate limit.")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let operations = QueueOperations(schema: try connection.schemaName)
        let shown = try await operations.list(on: try await connection.connect())
        print(
            try Output.list(
                shown, json: json, ["QUEUE", "DUE", "LATER", "RUNNING", "RETRYABLE", "WORKERS", "LIMIT", "TOKENS"]
            ) {
                [
                    $0.name, "\($0.due)", "\($0.later)", "\($0.running)", "\($0.retryable)", "\($0.workers)",
                    $0.limit.map(\.rate.description) ?? "-",
                    $0.limit.map { String(format: "%.2f/%.2f", $0.tokens, $0.burst) } ?? "-",
                ]
            })
    }
}
