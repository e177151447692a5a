// `ebbflow policy show`: Print the policy in force (defaults filled in).
import ArgumentParser
import EbbflowEngine
import Foundation

struct PolicyShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print the policy in force (defaults filled in).")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let store = PolicyStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let document = try await database.run { try store.load(on: $0) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        print(String(decoding: try encoder.encode(document), as: UTF8.self))
    }
}
