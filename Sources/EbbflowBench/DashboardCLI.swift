// The dashboard bench's way to the binary under test: its options (database, ebbflow path) and its subcommands as child processes.
import ArgumentParser
import Foundation
import PostgresClient

/// Which database and which `ebbflow` the bench drives; the binary defaults to the one built
/// beside `ebbflow-bench`, so a release bench measures a release server.
struct DashboardTarget: ParsableArguments {
    @Option(help: "PostgreSQL URL (default: $DATABASE_URL).") var databaseURL: String?
    @Option(help: "The ebbflow binary (default: the ebbflow beside this ebbflow-bench).") var ebbflow: String?

    var ebbflowPath: String {
        ebbflow
            ?? Bundle.main.executableURL.map { $0.deletingLastPathComponent().appendingPathComponent("ebbflow").path }
            ?? ".build/release/ebbflow"
    }
}

/// `ebbflow` subcommands run as child processes against the bench's database.
struct DashboardCLI: Sendable {
    let ebbflow: String
    let database: PGConfiguration

    /// Runs `ebbflow ARGS --database-url … --log-level error`; its standard output, or throws with its error text.
    @discardableResult
    func run(_ arguments: [String], input: String? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ebbflow)
        process.arguments = arguments + ["--database-url", database.conninfo, "--log-level", "error"]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError(
                "ebbflow \(arguments.first ?? "") exited \(process.terminationStatus): \(errorText.suffix(400))")
        }
        return text
    }
}
