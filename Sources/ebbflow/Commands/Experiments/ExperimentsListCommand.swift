// `ebbflow experiments list`: Every experiment of the stored streams, with its sends and promoted winner.
import ArgumentParser
import EbbflowEngine
import Foundation

struct ExperimentsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the experiments of the stored streams.")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let store = ExperimentStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let rows = try await database.run { connection in
            try store.list(on: connection).map { info in (info, try store.tallies(info, on: connection)) }
        }
        if json {
            print(
                try Output.json(
                    rows.map { info, tallies -> [String: Any] in
                        [
                            "name": info.experiment.name, "stream": info.stream, "step": info.step,
                            "metric": info.experiment.metric.rawValue,
                            "variants": tallies.map { ["name": $0.name, "sends": $0.sends] as [String: Any] },
                            "promoted": info.promoted?.variant ?? NSNull(),
                        ]
                    }))
            return
        }
        print(
            Output.table(
                ["NAME", "STREAM", "STEP", "METRIC", "SENDS", "PROMOTED"],
                rows.map { info, tallies in
                    [
                        info.experiment.name, info.stream, "\(info.step)", info.experiment.metric.rawValue,
                        tallies.map { "\($0.name) \($0.sends)" }.joined(separator: " / "),
                        info.promoted?.variant ?? "-",
                    ]
                }))
    }
}
