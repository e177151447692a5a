// `ebbflow templates preview`: a template rendered for one contact, as it would be sent (links not tracked).
import ArgumentParser
import EbbflowEngine
import EbbflowOperations
import Foundation

struct TemplatesPreviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Render a template for one contact: subject, HTML and text as the contact would receive them.",
        discussion: """
            The unsubscribe_url variable is the contact's signed URL when EBBFLOW_PUBLIC_URL is set and a \
            link key exists. Links are shown as written: a preview has no send to track them on.
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The template's name.") var name: String
    @Option(name: .customLong("contact"), help: "The contact's external id.") var contact: String
    @Option(help: "The version to render (default: the current one).") var version: Int?
    @Option(help: "html (HTML and text) or plain (text only), as a send's format.") var format = "html"
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let operations = TemplateOperations(schema: try connection.schemaName)
        let publicURL = ProcessInfo.processInfo.environment[PublicBaseURL.environmentVariable]
        let shown = try await operations.preview(
            name: name, version: version, externalID: contact, format: format, publicBaseURL: publicURL,
            on: try await connection.connect())
        if json {
            print(try Output.json(shown.document))
            return
        }
        let message = shown.model
        print("to: \(message.to)")
        if let from = message.from { print("from: \(from)") }
        if let replyTo = message.replyTo { print("reply_to: \(replyTo)") }
        print("subject: \(message.subject)")
        if let html = message.html { print("--- html ---\n\(html)") }
        if let text = message.text { print("--- text ---\n\(text)") }
        if !message.missingVariables.isEmpty {
            print("missing variables (rendered empty): \(message.missingVariables.joined(separator: ", "))")
        }
    }
}
