// `ebbflow policy set FILE | show`: the engagement policy all workers share.
import ArgumentParser
import EbbflowEngine
import Foundation

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Show or set the engagement policy (JSON).",
        subcommands: [PolicySetCommand.self, PolicyShowCommand.self], defaultSubcommand: PolicyShowCommand.self)
}

struct PolicySetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Validate and store a policy document (FILE or - for stdin).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "A JSON policy document: {\"default\": {...}, \"segments\": {\"b2b\": {...}}}.") var file: String

    func run() async throws {
        let data = try readInput(file)
        do { _ = try PolicyDocument.parse(data) } catch { throw InputError("\(error); the stored policy is unchanged") }
        let store = PolicyStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        _ = try await database.run { try store.save(data, on: $0) }
        print("policy stored")
    }
}

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
