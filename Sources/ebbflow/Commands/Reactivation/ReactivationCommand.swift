// `ebbflow reactivation`: the group of commands for reactivation cycles.
import ArgumentParser

struct ReactivationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reactivation", abstract: "Reactivation cycles.",
        subcommands: [ReactivationStartCommand.self])
}
