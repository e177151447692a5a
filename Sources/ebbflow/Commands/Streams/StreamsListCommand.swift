// `ebbflow streams list`: The stored streams, highest manual priority first.
import ArgumentParser
import EbbflowEngine
import Foundation

struct StreamsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the stored streams, highest manual priority first.")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let store = StreamStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let (streams, broken) = try await database.run { try store.listChecked(on: $0) }
        if json {
            print(
                try Output.json(
                    streams.map { stream -> [String: Any] in
                        [
                            "name": stream.definition.name, "mode": stream.definition.mode.rawValue,
                            "priority": stream.definition.priority ?? NSNull(),
                            "version": stream.version, "steps": stream.definition.steps.count,
                            "exits": stream.definition.exits,
                            "updated_at": Output.time(stream.updatedAt),
                        ]
                    } + broken.map { ["name": $0.name, "version": $0.version, "not_running": $0.problem] }))
            return
        }
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
