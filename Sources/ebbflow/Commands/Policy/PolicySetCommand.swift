// `ebbflow policy set`: Validate and store a policy document (FILE or - for stdin).
import ArgumentParser
import EbbflowOperations
import Foundation

struct PolicySetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Validate and store a policy document (FILE or - for stdin).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "A YAML or JSON policy document: {\"default\": {...}, \"segments\": {\"b2b\": {...}}}.") var file:
        String

    func run() async throws {
        let data = try readDocument(file)
        let operations = PolicyOperations(schema: try connection.schemaName)
        print(try await operations.set(document: data, on: try await connection.connect()).message)
    }
}
