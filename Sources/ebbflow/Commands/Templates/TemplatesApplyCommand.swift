// `ebbflow templates apply`: validate and store the templates of a YAML or JSON document, all or none.
import ArgumentParser
import EbbflowOperations
import Foundation

struct TemplatesApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract:
            "Validate and store the templates of a YAML or JSON document (FILE or -), all or none; a changed template gets a new version."
    )

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "One template, or {templates: [...]}, in YAML or JSON.") var file: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let data = try readDocument(file)
        let operations = TemplateOperations(schema: try connection.schemaName)
        let result = try await operations.apply(document: data, on: try await connection.connect())
        if json {
            print(try Output.json(result.document))
            return
        }
        for line in result.lines { print(line) }
    }
}
