// `ebbflow streams apply`: Validate and store the streams of a YAML or JSON document, all or none.
import ArgumentParser
import EbbflowEngine
import Foundation

struct StreamsApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Validate and store the streams of a YAML or JSON document (FILE or -), all or none.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "One stream, or {streams: [...]}, in YAML or JSON.") var file: String

    func run() async throws {
        let data = try readDocument(file)
        let store = StreamStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let outcomes: [(name: String, outcome: StreamApplyOutcome)]
        do {
            outcomes = try await database.withTransaction { try store.apply(data, on: $0) }
        } catch let error as StreamError {
            throw InputError("\(error); the stored streams are unchanged")
        }
        for (name, outcome) in outcomes {
            switch outcome {
            case .created: print("stream \(name) created")
            case .updated(let version): print("stream \(name) updated (version \(version))")
            case .unchanged: print("stream \(name) unchanged")
            }
        }
    }
}
