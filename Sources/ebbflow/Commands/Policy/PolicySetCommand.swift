// `ebbflow policy set`: Validate and store a policy document (FILE or - for stdin).
import ArgumentParser
import EbbflowEngine
import Foundation

struct PolicySetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Validate and store a policy document (FILE or - for stdin).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "A YAML or JSON policy document: {\"default\": {...}, \"segments\": {\"b2b\": {...}}}.") var file:
        String

    func run() async throws {
        let data = try readDocument(file)
        do { _ = try PolicyDocument.parse(data) } catch { throw InputError("\(error); the stored policy is unchanged") }
        let store = PolicyStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        _ = try await database.run { try store.save(data, on: $0) }
        print("policy stored")
    }
}
