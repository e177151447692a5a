// Build-tool plugin: embeds the package's sql/<line>/*.sql migration files into the target that uses it.
import Foundation
import PackagePlugin

/// Why embed: the `ebbflow` binary must migrate a database wherever it runs (a container, a
/// pod) without shipping a directory beside it, and SwiftPM resources cannot live outside a
/// target's folder. The files stay the single source in `sql/`, one folder per migration line
/// (`sql/core`, `sql/queue`, `sql/engine`); the build turns them into a Swift array, re-run
/// whenever a file or folder changes.
@main
struct EmbedSQL: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let sqlDirectory = context.package.directoryURL.appending(path: "sql")
        let manager = FileManager.default
        let lines = try manager.contentsOfDirectory(at: sqlDirectory, includingPropertiesForKeys: [.isDirectoryKey])
            .filter { (try? $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        var files: [URL] = []
        for line in lines {
            files += try manager.contentsOfDirectory(at: line, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "sql" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) SQL migrations",
                executable: try context.tool(named: "SQLEmbedder").url,
                arguments: [output.path()] + files.map { $0.path() },
                inputFiles: files + [sqlDirectory] + lines,
                outputFiles: [output]
            )
        ]
    }
}
