// `ebbflow jobs stats`: counts by queue and state, and how long the oldest due job has waited.
import ArgumentParser
import EbbflowCore
import EbbflowQueue
import Foundation

struct JobsStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Job counts by queue and state.")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let store = JobStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let stats = try await database.run { try store.stats(on: $0) }
        if json {
            print(
                try Output.json(
                    [
                        "now": Output.time(stats.now),
                        "counts": stats.counts.map {
                            ["queue": $0.queue, "state": $0.state, "jobs": $0.jobs] as [String: Any]
                        },
                        "oldest_due_seconds": stats.oldestDue,
                    ] as [String: Any]))
            return
        }
        print(Output.table(["QUEUE", "STATE", "JOBS"], stats.counts.map { [$0.queue, $0.state, "\($0.jobs)"] }))
        for (queue, age) in stats.oldestDue.sorted(by: { $0.key < $1.key }) {
            print("oldest due job in \(queue) has waited \(DurationText.text(seconds: age))")
        }
    }
}
