// Build-tool plugin: embeds the dashboard's templates and assets (Templates/, Assets/) into its target.
import Foundation
import PackagePlugin

/// Why embed, and why not SwiftPM resources or `.embedInCode`: the binary must serve its pages
/// wherever it runs with nothing beside it; `Bundle.module` needs a directory shipped next to the
/// binary; `.embedInCode` writes byte-array literals whose type checking grows faster than
/// linearly with their size (tens of seconds for a stylesheet in a debug build). Raw string
/// literals compile at once. The folders are inputs too, so adding a file re-runs the command.
@main
struct EmbedDashboard: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let base = context.package.directoryURL.appending(path: "Sources/\(target.name)")
        let manager = FileManager.default
        var files: [URL] = []
        var folders: [URL] = []
        for top in ["Templates", "Assets"] {
            let root = base.appending(path: top)
            guard let walker = manager.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey]) else {
                continue
            }
            folders.append(root)
            for case let url as URL in walker {
                if (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
                    folders.append(url)
                } else if ["mustache", "css", "js"].contains(url.pathExtension) {
                    files.append(url)
                }
            }
        }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedDashboardFiles.swift")
        return [
            .buildCommand(
                displayName: "Embedding \(files.count) dashboard files",
                executable: try context.tool(named: "TextEmbedder").url,
                arguments: ["--dictionary", output.path(), "embeddedDashboardFiles", base.path()]
                    + files.map { $0.path() },
                inputFiles: files + folders,
                outputFiles: [output]
            )
        ]
    }
}
