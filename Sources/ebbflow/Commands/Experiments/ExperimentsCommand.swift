// `ebbflow experiments`: the A/B tests of stream steps: results, and promotion of a winner.
import ArgumentParser

struct ExperimentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "experiments", abstract: "A/B tests in stream steps: list, show results, promote a winner.",
        subcommands: [ExperimentsListCommand.self, ExperimentsShowCommand.self, ExperimentsPromoteCommand.self])
}
