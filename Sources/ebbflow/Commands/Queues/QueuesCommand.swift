// `ebbflow queues`: the queues with their counts and rate limits, and setting or clearing a limit.
import ArgumentParser

struct QueuesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queues", abstract: "List queues and limit how fast their jobs start.",
        subcommands: [QueuesListCommand.self, QueuesLimitCommand.self])
}
