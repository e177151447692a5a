// A CLI test's own schema: the arguments that name it, the real binary run against it, and files for the documents it applies.
import Foundation

/// Why shared: a CLI test points the real `ebbflow` binary at a schema of its own and hands it
/// documents as files, as a user does; one fixture keeps the suites from copying the set-up.
public struct CLISchema: Sendable {
    public let schema: String
    /// `--schema S --database-url URL`, appended to every command `run` runs.
    public let base: [String]
    /// The folder `file` writes into (removed by `removeFiles`).
    public let directory: URL

    /// A fresh schema named from `prefix`; nothing is created until a command runs.
    public init(_ prefix: String) throws {
        schema = TestDatabase.uniqueSchemaName(prefix)
        base = ["--schema", schema, "--database-url", try TestDatabase.url]
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(schema, isDirectory: true)
    }

    /// Writes `text` to `name` in this test's folder and returns the file's path.
    public func file(_ name: String, _ text: String) throws -> String {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// `ebbflow ARGS` against this schema.
    public func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> CommandResult {
        try await EbbflowBinary.run(arguments + base, environment: environment)
    }

    public func removeFiles() {
        try? FileManager.default.removeItem(at: directory)
    }
}
