// `ebbflow templates`: the group of commands for message templates.
import ArgumentParser

struct TemplatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates", abstract: "Message templates: apply, list, show, preview for a contact.",
        subcommands: [
            TemplatesApplyCommand.self, TemplatesListCommand.self, TemplatesShowCommand.self,
            TemplatesPreviewCommand.self,
        ])
}
