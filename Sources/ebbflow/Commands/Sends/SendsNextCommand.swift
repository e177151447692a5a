// `ebbflow sends next`: Claim a batch of pending sends for a mail integration and mark them handed over.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation

struct SendsNextCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next",
        abstract: "Claim up to N pending sends (oldest first, SKIP LOCKED) and mark them handed over.")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Sends to claim at most.") var limit = 100
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        _ = try InputBounds.integer(limit, field: "--limit", in: 1...100_000)
    }

    func run() async throws {
        let outbox = SendOutbox(schema: try connection.schemaName)
        let database = try await connection.connect()
        let limit = self.limit
        let sends = try await database.run { try outbox.next(limit: limit, on: $0) }
        if json {
            print(
                try Output.json(
                    sends.map { send -> [String: Any] in
                        [
                            "id": send.id, "external_id": send.externalID, "email": send.email ?? NSNull(),
                            "flow": send.flow, "step": send.step,
                            "template": send.template, "channel": send.channel, "at": Output.time(send.at),
                            "format": send.format,
                            "variables": (try? JSONSerialization.jsonObject(with: send.variables.bytes))
                                ?? [String: Any](),
                        ]
                    }))
            return
        }
        if sends.isEmpty { print("no pending sends"); return }
        print(
            Output.table(
                ["ID", "CONTACT", "EMAIL", "FLOW", "STEP", "TEMPLATE", "CHANNEL", "AT"],
                sends.map {
                    [
                        "\($0.id)", $0.externalID, $0.email ?? "-", $0.flow, "\($0.step)", $0.template, $0.channel,
                        Output.time($0.at),
                    ]
                }))
    }
}
