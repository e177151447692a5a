// `ebbflow experiments list`: Every experiment of the stored streams, with its sends and promoted winner.
import ArgumentParser
import EbbflowEngine
import EbbflowOperations
import Foundation

struct ExperimentsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the experiments of the stored streams.")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let operations = ExperimentOperations(schema: try connection.schemaName)
        let shown = try await operations.list(on: try await connection.connect())
        print(
            try Output.list(shown, json: json, ["NAME", "STREAM", "STEP", "METRIC", "SENDS", "PROMOTED"]) {
                let (info, tallies) = ($0.info, $0.tallies)
                return [
                    info.experiment.name, info.stream, "\(info.step)", info.experiment.metric.rawValue,
                    tallies.map { "\($0.name) \($0.sends)" }.joined(separator: " / "),
                    info.promoted?.variant ?? "-",
                ]
            })
    }
}
