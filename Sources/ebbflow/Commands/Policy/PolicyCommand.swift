// `ebbflow policy`: the group of commands that show and set the engagement policy.
import ArgumentParser
import EbbflowEngine
import Foundation

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Show or set the engagement policy (JSON).",
        subcommands: [PolicySetCommand.self, PolicyShowCommand.self], defaultSubcommand: PolicyShowCommand.self)
}
