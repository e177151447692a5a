// `ebbflow experiments promote`: Make a variant its step's template from now on, with the evidence of the moment.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation

struct ExperimentsPromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote", abstract: "Make VARIANT the step's template from now on (recorded with its evidence).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The experiment's name.") var name: String
    @Argument(help: "The variant to promote.") var variant: String

    func run() async throws {
        let schema = try connection.schemaName
        let store = ExperimentStore(schema: schema)
        let database = try await connection.connect()
        let (name, variant) = (self.name, self.variant)
        do {
            try await database.withTransaction { connection in
                guard let info = try store.list(on: connection).first(where: { $0.experiment.name == name }) else {
                    throw ExperimentError("no experiment named \"\(name)\"")
                }
                var generator = SystemRandomNumberGenerator()
                let evidence = ExperimentStatistics.summarize(
                    try store.tallies(info, on: connection), using: &generator)
                try store.promote(
                    name, variant: variant, automatic: false, evidence: evidence,
                    now: try DatabaseClock(schema: schema).now(on: connection), on: connection)
            }
        } catch let error as ExperimentError {
            throw InputError("\(error)")
        }
        print("experiment \(name): \(variant) promoted; later sends of its step use it")
    }
}
