// `ebbflow events`: the group of commands for engagement events.
import ArgumentParser
import EbbflowEngine
import Foundation

struct EventsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events", abstract: "Engagement events.",
        subcommands: [EventsImportCommand.self, EventsRejectedCommand.self])
}
