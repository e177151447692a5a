// Build-tool plugin: embeds the repository's openapi.yaml into the target that serves it at /openapi.yaml.
import Foundation
import PackagePlugin

/// Why embed: `ebbflow serve` must serve the description it was built with, wherever the
/// binary runs, and the file stays where readers and tools look for it (the repository's
/// root), outside any target's folder, where SwiftPM resources cannot reach.
@main
struct EmbedOpenAPI: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let input = context.package.directoryURL.appending(path: "openapi.yaml")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedOpenAPI.swift")
        return [
            .buildCommand(
                displayName: "Embedding openapi.yaml",
                executable: try context.tool(named: "TextEmbedder").url,
                arguments: [output.path(), "embeddedOpenAPIDocument", input.path()],
                inputFiles: [input],
                outputFiles: [output]
            )
        ]
    }
}
