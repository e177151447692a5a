// `ebbflow jobs show ID`: a job's args, timings and every attempt's error.
import ArgumentParser
import EbbflowOperations
import EbbflowQueue
import Foundation

struct JobsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one job in full.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Job id.") var id: Int64
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let operations = JobOperations(schema: try connection.schemaName)
        let shown = try await operations.show(id: id, on: try await connection.connect())
        if json {
            print(try Output.json(shown.document))
            return
        }
        let row = shown.model
        print(
            """
            job \(row.id): \(row.kind) on queue \(row.queue), \(row.state)
              args:       \(row.args.text)
              attempt:    \(row.attempt) of \(row.maxAttempts), priority \(row.priority)
              created:    \(Output.time(row.createdAt))
              run at:     \(Output.time(row.runAt))
              attempted:  \(Output.time(row.attemptedAt))
              finished:   \(Output.time(row.finishedAt))
              worker:     \(row.lockedBy ?? "-")
              unique key: \(row.uniqueKey ?? "-")
            """)
        if row.errors.isEmpty { print("  errors:     none") }
        for error in row.errors {
            print(
                "  error (attempt \(error.attempt), \(error.kind.rawValue), \(Output.time(error.at))): \(error.message)"
            )
        }
    }
}
