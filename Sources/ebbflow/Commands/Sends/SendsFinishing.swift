// How `sends ack` and `sends fail` report a refusal: the operation's message, and an exit code per kind.
import ArgumentParser
import EbbflowOperations
import Foundation

/// Exit codes a sender's script can branch on: 3 no such send, 4 the send is finished or
/// leased by another (nothing changed). 1 stays every other error (a bad connection, bad input).
enum SendsFinishing {
    static let unknownSend = ExitCode(3)
    static let notChanged = ExitCode(4)

    /// Runs `body`, printing its refusal as `Error: …` on standard error with the exit code of its kind.
    static func run(_ body: () async throws -> ActionOutcome) async throws {
        do {
            print(try await body().message)
        } catch let error as OperationError {
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            switch error {
            case .notFound: throw unknownSend
            case .conflict: throw notChanged
            case .invalid: throw ExitCode.failure
            }
        }
    }
}
