// `ebbflow contacts list [--status S] [--segment G] [--json]`: contacts in a state, scores decayed to now.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import EbbflowOperations
import Foundation

struct ContactsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List contacts by status and segment.")

    /// The command line reads one page as large as asked (the API's pages are smaller).
    static let maximumLimit = 1_000_000

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "active, engaged, inactive, reactivated or suppressed.") var status: String?
    @Option(help: "Segment name.") var segment: String?
    @Option(help: "At most this many.") var limit = 100
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        _ = try ContactOperations.status(status)
        _ = try ContactOperations.limit(limit, maximum: Self.maximumLimit)
    }

    func run() async throws {
        let operations = ContactOperations(schema: try connection.schemaName)
        let page = try await operations.list(
            status: status, segment: segment, limit: limit, maximumLimit: Self.maximumLimit,
            on: try await connection.connect())
        if json {
            print(try Output.json(page.itemsDocument))
            return
        }
        print(
            Output.table(
                ["EXTERNAL ID", "SEGMENT", "STATUS", "SCORE", "LAST ENGAGEMENT", "CHANNEL"],
                page.rows.map {
                    [
                        $0.externalID, $0.segment, $0.status.rawValue, String(format: "%.1f", $0.engagementScore),
                        Output.time($0.lastEngagementAt), $0.channel,
                    ]
                }))
    }
}
