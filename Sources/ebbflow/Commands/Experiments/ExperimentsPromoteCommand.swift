// `ebbflow experiments promote`: Make a variant its step's template from now on, with the evidence of the moment.
import ArgumentParser
import EbbflowOperations

struct ExperimentsPromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote", abstract: "Make VARIANT the step's template from now on (recorded with its evidence).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The experiment's name.") var name: String
    @Argument(help: "The variant to promote.") var variant: String

    func run() async throws {
        let operations = ExperimentOperations(schema: try connection.schemaName)
        print(try await operations.promote(name: name, variant: variant, on: try await connection.connect()).message)
    }
}
