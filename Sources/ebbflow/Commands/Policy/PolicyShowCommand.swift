// `ebbflow policy show`: Print the policy in force (defaults filled in), or the stored one with why it no longer loads.
import ArgumentParser
import EbbflowEngine
import Foundation

struct PolicyShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Print the policy in force (defaults filled in).")

    @OptionGroup var connection: ConnectionOptions

    /// Why the stored form when it no longer loads: after an upgrade whose rules refuse an old
    /// policy, this is how an operator sees what to fix; failing here too left them blind. The
    /// document goes to stdout, the one-line reason to stderr, and the exit status is 1 because
    /// the engine refuses that policy until `policy set` replaces it. Keys the release ignores
    /// are a warning only (exit 0).
    func run() async throws {
        let store = PolicyStore(schema: try connection.schemaName)
        let database = try await connection.connect()
        let (stored, document) = try await database.run { connection in
            let stored = try store.stored(on: connection)
            return (stored, try? store.load(on: connection))
        }
        if let document {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(document), as: UTF8.self))
            if let problem = stored?.problem { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
            return
        }
        guard let stored else { return }
        let pretty =
            (try? JSONSerialization.jsonObject(with: stored.json))
            .flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.prettyPrinted, .sortedKeys]) }
            ?? stored.json
        print(String(decoding: pretty, as: UTF8.self))
        FileHandle.standardError.write(Data("error: \(stored.problem ?? "the stored policy does not load")\n".utf8))
        throw ExitCode.failure
    }
}
