// `ebbflow streams`: the group of commands for streams (journeys).
import ArgumentParser

struct StreamsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streams", abstract: "Streams (journeys): apply definitions, list, show.",
        subcommands: [StreamsApplyCommand.self, StreamsListCommand.self, StreamsShowCommand.self])
}
