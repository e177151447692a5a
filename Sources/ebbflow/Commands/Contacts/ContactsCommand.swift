// `ebbflow contacts`: the group of commands that import and inspect contacts.
import ArgumentParser
import EbbflowEngine
import Foundation

struct ContactsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contacts", abstract: "Import and inspect contacts.",
        subcommands: [
            ContactsImportCommand.self, ContactsShowCommand.self, ContactsListCommand.self,
            ContactsSuppressCommand.self, ContactsUnsuppressCommand.self,
            ContactsExportCommand.self,
            ContactsForgetCommand.self,
        ])
}
