// `ebbflow links`: signed unsubscribe and tracking URLs, and the keys that sign them.
import ArgumentParser

struct LinksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "links",
        abstract: "Print signed unsubscribe and tracking URLs; list and rotate their signing keys.",
        subcommands: [
            LinksUnsubscribeCommand.self, LinksOpenCommand.self, LinksClickCommand.self, LinksKeysCommand.self,
            LinksRotateKeyCommand.self,
        ])
}
