// `ebbflow sends`: the outbox of decided sends.
import ArgumentParser

struct SendsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sends", abstract: "The outbox of decided sends.",
        subcommands: [SendsNextCommand.self])
}
