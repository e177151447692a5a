// `ebbflow flows`: the group of commands for send flows over a segment's active audience.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation

struct FlowsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flows", abstract: "Send flows.",
        subcommands: [FlowsStartCommand.self, FlowsListCommand.self, FlowsStopCommand.self, FlowsRemoveCommand.self])
}
