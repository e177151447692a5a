// `ebbflow flows remove NAME`: stop and delete a flow, cancelling its pending steps; its sends stay as history.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation

struct FlowsRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Delete a flow and cancel its pending steps; the sends it made stay in the contacts' history.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Flow name.") var name: String

    func run() async throws {
        let flows = FlowStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let name = self.name
        let cancelled: Int? = try await database.withTransaction { try flows.remove(name, on: $0) }
        guard let cancelled else {
            throw InputError("no flow named \"\(name)\"")
        }
        print("flow \(name) removed: \(cancelled) pending step(s) cancelled; its sends stay in the contacts' history")
    }
}
