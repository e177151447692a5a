// `ebbflow roles`: the least-privilege roles (owner, worker, api, readonly), set up and checked.
import ArgumentParser

struct RolesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roles", abstract: "Set up and check the owner, worker, api and readonly roles.",
        subcommands: [RolesSetupCommand.self, RolesCheckCommand.self])
}
