// The audience as it stands, for the dashboard: by status and segment (top segments and the rest), and by status and channel.
import EbbflowCore
import Foundation
import PostgresClient

/// Contacts of one status in one segment; `segment` nil is every segment past the top ones.
public struct AudienceSegmentCell: Sendable, Equatable {
    public var segment: String?
    public var status: CampaignStatus
    public var contacts: Int
}

/// Contacts of one status on one channel (`email`, `ads`, …): the "now" point of the
/// audience chart, whose bands keep `ads` apart from the statuses.
public struct AudienceChannelCount: Sendable, Equatable {
    public var status: CampaignStatus
    public var channel: String
    public var contacts: Int
}

/// The audience now.
public struct AudienceNowResult: Sendable {
    /// The largest segments by contacts (ties by name), each status of each; then the rest as
    /// one `segment: nil` group.
    public var bySegment: [AudienceSegmentCell]
    /// How many segments the `nil` group holds.
    public var otherSegments: Int
    public var byChannel: [AudienceChannelCount]
}

/// Two index-only scans, no row of contacts read: counts by status and segment over
/// `contacts_status_segment` (what `ContactStore.audience` runs; ≈ 60–150 ms at 1,000,000
/// contacts with a clean visibility map, so the dashboard caches it a few seconds), and the
/// contacts off email by status and channel over the partial `contacts_off_email` (engine
/// 0032; a few % of the contacts). Email counts are the rest.
public struct AudienceNow: Sendable {
    /// Segments shown one by one; more are grouped (a chart of 8 colours, a table of 20 rows).
    public static let defaultTopSegments = 20
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    public func read(topSegments: Int = AudienceNow.defaultTopSegments, on connection: isolated PGConnection) throws
        -> AudienceNowResult
    {
        let counts = try ContactStore(schema: schema).audience(segment: nil, on: connection)
        var totals: [String: Int] = [:]
        var byStatus: [CampaignStatus: Int] = [:]
        for count in counts {
            totals[count.segment, default: 0] += count.contacts
            byStatus[count.status, default: 0] += count.contacts
        }
        let ranked = totals.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map(\.key)
        let top = Set(ranked.prefix(max(0, topSegments)))
        var cells: [AudienceSegmentCell] = []
        var other: [CampaignStatus: Int] = [:]
        for count in counts {
            if top.contains(count.segment) {
                cells.append(
                    AudienceSegmentCell(segment: count.segment, status: count.status, contacts: count.contacts))
            } else {
                other[count.status, default: 0] += count.contacts
            }
        }
        let order = Dictionary(uniqueKeysWithValues: ranked.enumerated().map { ($1, $0) })
        cells.sort { (order[$0.segment!]!, $0.status.rank) < (order[$1.segment!]!, $1.status.rank) }
        for status in CampaignStatus.allCases where other[status] != nil {
            cells.append(AudienceSegmentCell(segment: nil, status: status, contacts: other[status]!))
        }
        var offEmail: [CampaignStatus: Int] = [:]
        var byChannel: [AudienceChannelCount] = []
        for row in try connection.query(
            """
            SELECT campaign_status::text AS status, channel, count(*) AS contacts FROM \(identifier: schema.qualified("contacts"))
            WHERE channel <> 'email' GROUP BY 1, 2 ORDER BY 1, 2
            """
        ).rows {
            let status = CampaignStatus(rawValue: try row.decode("status")) ?? .active
            let contacts: Int = try row.decode("contacts")
            offEmail[status, default: 0] += contacts
            byChannel.append(
                AudienceChannelCount(status: status, channel: try row.decode("channel"), contacts: contacts))
        }
        for status in CampaignStatus.allCases {
            let email = (byStatus[status] ?? 0) - (offEmail[status] ?? 0)
            if email > 0 { byChannel.append(AudienceChannelCount(status: status, channel: "email", contacts: email)) }
        }
        byChannel.sort { ($0.status.rank, $0.channel) < ($1.status.rank, $1.channel) }
        return AudienceNowResult(
            bySegment: cells, otherSegments: max(0, ranked.count - top.count), byChannel: byChannel)
    }
}

extension CampaignStatus {
    /// The order statuses are listed in (the enum's, as the database sorts them).
    var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
}
