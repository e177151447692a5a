// `ebbflow sweeps`: the group of commands that run the engine's sweeps by hand.
import ArgumentParser
import EbbflowEngine
import Foundation

struct SweepsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweeps", abstract: "Run the engine's sweeps by hand.",
        subcommands: [SweepsRunCommand.self])
}
