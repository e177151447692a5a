// `ebbflow contacts suppress ID --reason TEXT`: suppress one contact, with an audit row and its pending sends cancelled.
import ArgumentParser
import EbbflowOperations

struct ContactsSuppressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suppress",
        abstract: "Suppress a contact (manual_suppression): no more marketing email, its pending sends cancelled.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The contact's external id.") var externalID: String
    @Option(help: "Why (1 to 500 bytes, one line): kept in the contact's audit trail.") var reason: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let operations = ConsentOperations(schema: try connection.schemaName)
        let outcome = try await operations.suppress(
            externalID: externalID, reason: reason, on: try await connection.connect())
        print(json ? try Output.json(outcome.document) : outcome.message)
    }
}
