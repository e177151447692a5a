// `ebbflow links unsubscribe EXTERNAL_ID`: the contact's signed one-click unsubscribe URL.
import ArgumentParser
import EbbflowEngine

struct LinksUnsubscribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unsubscribe",
        abstract: "Print the contact's one-click unsubscribe URL: $EBBFLOW_PUBLIC_URL/u/<token>.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The contact's external id.") var externalID: String

    func run() async throws {
        // The bound of an external id everywhere (imports, ingest).
        guard (1...256).contains(externalID.utf8.count) else {
            throw InputError("EXTERNAL_ID must be 1 to 256 bytes")
        }
        let links = UnsubscribeLinks(schema: try connection.schemaName, base: try LinkCommandSupport.base())
        let externalID = self.externalID
        let url = try await LinkCommandSupport.transaction(connection) { now, connection in
            try links.url(externalID: externalID, now: now, on: connection)
        }
        guard let url else { throw InputError("no contact has external id \"\(externalID.prefix(80))\"") }
        print(url)
    }
}
