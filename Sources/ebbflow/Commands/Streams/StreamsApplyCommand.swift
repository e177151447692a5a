// `ebbflow streams apply`: Validate and store the streams of a YAML or JSON document, all or none.
import ArgumentParser
import EbbflowOperations
import Foundation

struct StreamsApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Validate and store the streams of a YAML or JSON document (FILE or -), all or none.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "One stream, or {streams: [...]}, in YAML or JSON.") var file: String

    func run() async throws {
        let data = try readDocument(file)
        let operations = StreamOperations(schema: try connection.schemaName)
        let result = try await operations.apply(document: data, on: try await connection.connect())
        for line in result.lines { print(line) }
    }
}
