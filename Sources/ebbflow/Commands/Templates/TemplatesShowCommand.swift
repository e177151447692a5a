// `ebbflow templates show`: one stored template, its current version or the one asked for.
import ArgumentParser
import EbbflowEngine
import EbbflowOperations
import Foundation

struct TemplatesShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show one stored template (its current version, or --version N).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The template's name.") var name: String
    @Option(help: "The version to show (default: the current one).") var version: Int?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let operations = TemplateOperations(schema: try connection.schemaName)
        let shown = try await operations.show(name: name, version: version, on: try await connection.connect())
        if json {
            print(try Output.json(shown.document))
            return
        }
        let template = shown.model, definition = template.definition
        let current = shown.document["current_version"]?.integerValue.map(Int.init) ?? template.version
        print(
            "template \(definition.name) · version \(template.version)"
                + (current != template.version ? " (current: \(current))" : "")
                + " · made \(Output.time(template.updatedAt))")
        print("subject: \(definition.subject)")
        if let from = definition.from { print("from: \(from)") }
        if let replyTo = definition.replyTo { print("reply_to: \(replyTo)") }
        if let html = definition.html { print("--- html ---\n\(html)") }
        if let text = definition.text { print("--- text ---\n\(text)") }
    }
}
