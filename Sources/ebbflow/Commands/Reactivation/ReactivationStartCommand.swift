// `ebbflow reactivation start --segment S --inactive-for 60d [--dry-run]`: start cycles for a group now.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation

struct ReactivationStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start", abstract: "Start reactivation cycles now for a chosen group.")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Segment.") var segment: String
    @Option(help: "Inactive for at least this long: 60d, 8w…") var inactiveFor: String
    @Flag(help: "Only count them and show a sample.") var dryRun = false

    func validate() throws {
        _ = try InputBounds.duration(inactiveFor, field: "--inactive-for", minimum: 0)
    }

    func run() async throws {
        let launcher = ReactivationLauncher(schema: try connection.schemaName)
        let (segment, seconds, dryRun) = (
            self.segment, try InputBounds.duration(inactiveFor, field: "--inactive-for", minimum: 0), self.dryRun
        )
        let database = try await connection.connect()
        let result = try await database.withTransaction {
            try launcher.start(segment: segment, inactiveFor: seconds, dryRun: dryRun, on: $0)
        }
        let sample = result.sample.isEmpty ? "" : " (e.g. \(result.sample.joined(separator: ", ")))"
        print(
            dryRun
                ? "would start \(result.contacts) reactivation cycle(s)\(sample)"
                : "started \(result.contacts) reactivation cycle(s)\(sample)")
    }
}
