// `ebbflow policy show`: Print the policy in force (defaults filled in), or the stored one with why it no longer loads.
import ArgumentParser
import EbbflowOperations
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
        let operations = PolicyOperations(schema: try connection.schemaName)
        let view = try await operations.show(on: try await connection.connect()).model
        if let policy = view.policy {
            print(String(decoding: try PolicyOperations.policyText(policy), as: UTF8.self))
            if let problem = view.problem { FileHandle.standardError.write(Data("warning: \(problem)\n".utf8)) }
            return
        }
        guard let stored = view.stored else { return }
        let pretty =
            (try? JSONSerialization.jsonObject(with: stored))
            .flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.prettyPrinted, .sortedKeys]) }
            ?? stored
        print(String(decoding: pretty, as: UTF8.self))
        FileHandle.standardError.write(Data("error: \(view.problem ?? "the stored policy does not load")\n".utf8))
        throw ExitCode.failure
    }
}
