// `ebbflow experiments show`: One experiment per variant: sends, conversions, rate with a 95 % interval, probability to be best.
import ArgumentParser
import EbbflowEngine
import EbbflowOperations
import Foundation

struct ExperimentsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Per variant: sends, conversions, rate with a 95 % interval, probability to be best.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The experiment's name.") var name: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let operations = ExperimentOperations(schema: try connection.schemaName)
        let shown = try await operations.show(name: name, on: try await connection.connect())
        if json {
            print(try Output.json(shown.document))
            return
        }
        let (info, summaries, verdict) = (shown.model.info, shown.model.summaries, shown.model.verdict)
        print(
            "experiment \(info.experiment.name) · stream \(info.stream) step \(info.step) · metric \(info.experiment.metric.rawValue)"
        )
        func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }
        print(
            Output.table(
                ["VARIANT", "SENDS", "CONVERSIONS", "RATE", "95 % INTERVAL", "P(BEST)"],
                summaries.map {
                    [
                        $0.name, "\($0.sends)", "\($0.conversions)", percent($0.rate),
                        "\(percent($0.low)) – \(percent($0.high))", percent($0.probabilityBest),
                    ]
                }))
        print(verdict)
    }
}
