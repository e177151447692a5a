// `ebbflow contacts list [--status S] [--segment G] [--json]`: contacts in a state, scores decayed to now.
import ArgumentParser
import EbbflowCore
import EbbflowEngine
import Foundation

struct ContactsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List contacts by status and segment.")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "active, engaged, inactive, reactivated or suppressed.") var status: String?
    @Option(help: "Segment name.") var segment: String?
    @Option(help: "At most this many.") var limit = 100
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        if let status, CampaignStatus(rawValue: status) == nil {
            throw InputError(
                "--status must be one of \(CampaignStatus.allCases.map(\.rawValue).joined(separator: ", ")); got \(status)"
            )
        }
        _ = try InputBounds.integer(limit, field: "--limit", in: 1...1_000_000)
    }

    func run() async throws {
        let schema = try connection.schemaName
        let (contacts, policies) = (ContactStore(schema: schema), PolicyStore(schema: schema))
        let (status, segment, limit) = (self.status.flatMap(CampaignStatus.init(rawValue:)), self.segment, self.limit)
        let database = try await connection.connect()
        let rows = try await database.run { connection in
            try contacts.list(
                status: status, segment: segment, limit: limit, policies: try policies.load(on: connection),
                on: connection)
        }
        if json {
            print(
                try Output.json(
                    rows.map {
                        [
                            "external_id": $0.externalID, "email": $0.email ?? NSNull(), "segment": $0.segment,
                            "campaign_status": $0.status.rawValue,
                            "engagement_score": $0.engagementScore,
                            "last_engagement_at": $0.lastEngagementAt.map { Output.time($0) } ?? NSNull(),
                            "channel": $0.channel,
                        ] as [String: Any]
                    }))
            return
        }
        print(
            Output.table(
                ["EXTERNAL ID", "SEGMENT", "STATUS", "SCORE", "LAST ENGAGEMENT", "CHANNEL"],
                rows.map {
                    [
                        $0.externalID, $0.segment, $0.status.rawValue, String(format: "%.1f", $0.engagementScore),
                        Output.time($0.lastEngagementAt), $0.channel,
                    ]
                }))
    }
}
