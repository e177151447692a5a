// `ebbflow jobs show ID`: a job's args, timings and every attempt's error.
import ArgumentParser
import EbbflowQueue
import Foundation

struct JobsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one job in full.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Job id.") var id: Int64
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let store = JobStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let id = self.id
        guard let row = try await database.run({ try store.find(id, on: $0) }) else { throw QueueError.notFound(id) }
        if json {
            print(try Output.json(Output.jobObject(row)))
            return
        }
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
