// `ebbflow flows stop`: Stop a flow; its pending steps skip.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation

struct FlowsStopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop a flow; its pending steps skip.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "Flow name.") var name: String

    func run() async throws {
        let flows = FlowStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let name = self.name
        guard try await database.run({ try flows.stop(name, on: $0) }) else {
            throw InputError("no flow named \"\(name)\"")
        }
        print("flow \(name) stopped")
    }
}
