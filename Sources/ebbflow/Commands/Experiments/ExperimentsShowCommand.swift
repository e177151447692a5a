// `ebbflow experiments show`: One experiment per variant: sends, conversions, rate with a 95 % interval, probability to be best.
import ArgumentParser
import EbbflowEngine
import Foundation

struct ExperimentsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Per variant: sends, conversions, rate with a 95 % interval, probability to be best.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The experiment's name.") var name: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let store = ExperimentStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let name = self.name
        let found = try await database.run { connection -> (ExperimentInfo, [VariantTally])? in
            guard let info = try store.list(on: connection).first(where: { $0.experiment.name == name }) else {
                return nil
            }
            return (info, try store.tallies(info, on: connection))
        }
        guard let (info, tallies) = found else { throw InputError("no experiment named \"\(name)\"") }
        var generator = SystemRandomNumberGenerator()
        let summaries = ExperimentStatistics.summarize(tallies, using: &generator)
        let rule = PromotionRule()
        let judged = rule.decide(tallies, using: &generator)
        let verdict =
            info.promoted.map { "promoted: \($0.variant)\($0.automatic ? " (automatically)" : "")" }
            ?? judged.winner.map { "the rule is met: \($0) will be promoted at the next daily judgement" }
            ?? "collecting: the rule needs \(rule.minimumSendsPerVariant) sends per variant and one variant \(Int(rule.minimumLift * 100)) % better "
                + """
                than the others with a probability of \(Int(rule.probabilityBest * 100)) % (now \
                \(judged.summaries.map { "\($0.name) \(String(format: "%.1f", $0.probabilityBest * 100)) %" }.joined(separator: ", ")))
                """
        if json {
            print(
                try Output.json(
                    [
                        "name": info.experiment.name, "stream": info.stream, "step": info.step,
                        "metric": info.experiment.metric.rawValue,
                        "promoted": info.promoted?.variant ?? NSNull(), "verdict": verdict,
                        "variants": summaries.map {
                            [
                                "name": $0.name, "sends": $0.sends, "conversions": $0.conversions, "rate": $0.rate,
                                "low": $0.low, "high": $0.high, "probability_best": $0.probabilityBest,
                            ] as [String: Any]
                        },
                    ] as [String: Any]))
            return
        }
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
