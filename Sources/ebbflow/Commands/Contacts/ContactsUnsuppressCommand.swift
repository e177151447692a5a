// `ebbflow contacts unsuppress ID --consent-source TEXT`: lift a contact's suppression, whatever its reason, on new consent.
import ArgumentParser
import EbbflowOperations

struct ContactsUnsuppressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unsuppress",
        abstract: "Lift a contact's suppression (any reason) on new consent: active again (manual_reinstatement).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The contact's external id.") var externalID: String
    @Option(help: "Where the new consent came from (1 to 500 bytes, one line): kept in the audit trail.")
    var consentSource: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let operations = ConsentOperations(schema: try connection.schemaName)
        let outcome = try await operations.unsuppress(
            externalID: externalID, consentSource: consentSource, on: try await connection.connect())
        print(json ? try Output.json(outcome.document) : outcome.message)
    }
}
