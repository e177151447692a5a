// `ebbflow contacts export`: everything held about one contact, as JSON on stdout (a GDPR access request).
import ArgumentParser
import EbbflowOperations
import Foundation

struct ContactsExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Print everything held about one contact as one JSON document (an access request).",
        discussion: """
            The contact row, its events, transitions, sends, stream memberships and decisions, \
            experiment assignments, jobs, identify messages and privacy audit rows, every column. \
            Written as it is read, so a long history needs little memory. Each export writes an \
            audit row.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The contact's external id.") var externalID: String

    func run() async throws {
        let operations = PrivacyOperations(schema: try connection.schemaName)
        try await operations.export(externalID: externalID, via: "cli", on: try await connection.connect()) { text in
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
