// `ebbflow sends ack ID --message-id X`: a send was accepted by the relay or provider.
import ArgumentParser
import EbbflowOperations

struct SendsAckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack",
        abstract: "Mark a leased send sent, with the provider's message id (exit 3: no such send; 4: already finished)."
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Send id.") var id: Int64
    @Option(name: .customLong("message-id"), help: "The relay's or provider's message id.") var messageID: String
    @OptionGroup var lease: LeaseTokenOption

    func validate() throws {
        _ = try SendOperations.id(String(id))
        _ = try SendOperations.messageID(messageID)
    }

    func run() async throws {
        let operations = SendOperations(schema: try connection.schemaName)
        let database = try await connection.connect()
        try await SendsFinishing.run {
            try await operations.ack(id: id, messageID: messageID, leaseToken: lease.leaseToken, on: database)
        }
    }
}
