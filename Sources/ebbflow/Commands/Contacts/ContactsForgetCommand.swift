// `ebbflow contacts forget`: erase one person, keeping only anonymous figures and a keyed digest.
import ArgumentParser
import EbbflowOperations
import Foundation

struct ContactsForgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Erase one person (a GDPR erasure request): identifying data removed, suppressed as forgotten.",
        discussion: """
            In one transaction: email, external id (replaced by an opaque id), attributes, URLs, \
            properties, provider ids, send variables and identify messages removed; the contact \
            suppressed (forgotten) with its transition and audit rows; its pending jobs cancelled. \
            Events and sends stay as anonymous figures. A keyed digest of the email and external id \
            is kept, so a later import, identify or event does not re-add the person unless it \
            carries a consent_source. A person forgotten before is a no-op.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The contact's external id.") var externalID: String
    @Flag(help: "Print JSON (the stable script contract).") var json = false

    func run() async throws {
        let operations = PrivacyOperations(schema: try connection.schemaName)
        let outcome = try await operations.forget(
            externalID: externalID, via: "cli", on: try await connection.connect())
        print(json ? try Output.json(outcome.document) : outcome.message)
    }
}
