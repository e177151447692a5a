// `ebbflow templates list`: the stored templates at their current versions, by name.
import ArgumentParser
import EbbflowEngine
import EbbflowOperations
import Foundation

struct TemplatesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the stored templates at their current versions.")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let operations = TemplateOperations(schema: try connection.schemaName)
        let shown = try await operations.list(on: try await connection.connect())
        print(
            try Output.list(shown, json: json, ["NAME", "VERSION", "PARTS", "SUBJECT", "UPDATED"]) {
                let parts = ($0.definition.html != nil ? ["html"] : []) + ($0.definition.text != nil ? ["text"] : [])
                let subject = $0.definition.subject
                return [
                    $0.definition.name, "\($0.version)", parts.joined(separator: "+"),
                    subject.count > 60 ? String(subject.prefix(59)) + "…" : subject, Output.time($0.updatedAt),
                ]
            })
    }
}
