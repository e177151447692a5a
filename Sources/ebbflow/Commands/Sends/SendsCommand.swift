// `ebbflow sends`: the outbox of decided sends and its lifecycle, for a team's own sender.
import ArgumentParser

struct SendsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sends", abstract: "The outbox of decided sends: list, lease, ack, fail.",
        subcommands: [
            SendsListCommand.self, SendsLeaseCommand.self, SendsAckCommand.self, SendsFailCommand.self,
            SendsNextCommand.self,
        ])
}
