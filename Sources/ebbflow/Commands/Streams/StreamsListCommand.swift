// `ebbflow streams list`: The stored streams, highest manual priority first.
import ArgumentParser
import EbbflowEngine
import EbbflowOperations
import Foundation

struct StreamsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the stored streams, highest manual priority first.")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let operations = StreamOperations(schema: try connection.schemaName)
        let shown = try await operations.list(on: try await connection.connect())
        if json {
            print(try Output.json(shown.document))
            return
        }
        let (streams, broken) = (shown.model.streams, shown.model.broken)
        // A stored stream today's bounds refuse is not run; said here so it is not missed.
        defer {
            for stream in broken {
                print("not running: stream \(stream.name) version \(stream.version): \(stream.problem)")
            }
        }
        print(
            Output.table(
                ["NAME", "MODE", "PRIORITY", "STEPS", "EXITS", "VERSION", "UPDATED"],
                streams.map {
                    [
                        $0.definition.name, $0.definition.mode.rawValue, $0.definition.priority.map(String.init) ?? "-",
                        "\($0.definition.steps.count)",
                        $0.definition.exits.isEmpty ? "-" : $0.definition.exits.joined(separator: ","), "\($0.version)",
                        Output.time($0.updatedAt),
                    ]
                }))
    }
}
