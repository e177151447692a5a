// `ebbflow flows list`: List flows and their sends.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation

struct FlowsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List flows and their sends.")

    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let flows = FlowStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let rows = try await database.run { try flows.list(on: $0) }
        print(
            Output.table(
                ["NAME", "SEGMENT", "TEMPLATE", "STATE", "SENDS"],
                rows.map { [$0.name, $0.segment, $0.template, $0.state, "\($0.sends)"] }))
    }
}
