// Daily audience snapshots: counts per segment, status and channel, and members per stream, one row each per day (idempotent).
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// One day's counts.
public struct AudienceSnapshotRow: Sendable {
    public var day: Date
    public var segment: String
    public var status: CampaignStatus
    public var contacts: Int
}

/// One day's contacts of one status on one channel, summed over segments: the dashboard's
/// audience bands (`ads` is contacts off email, whatever their status).
public struct AudienceChannelRow: Sendable, Equatable {
    public var day: Date
    public var status: CampaignStatus
    /// The contacts' channel (`email`, `ads`, …); snapshots taken before engine 0032 say `email`.
    public var channel: String
    public var contacts: Int
}

/// Members of one stream on one day (the daily snapshot), for the dashboard's small multiples.
public struct StreamSnapshotRow: Sendable, Equatable {
    public var day: Date
    public var stream: String
    public var members: Int
}

public struct AudienceHistory: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Today's (by `now`, UTC) counts per segment, status and channel, and members per stream,
    /// replacing the day's earlier rows (a second run the same day overwrites: a group that
    /// emptied meanwhile must not keep its old count). Run in the caller's transaction, so the
    /// audience and the streams are the same instant. Cost: one scan of contacts (grouped on
    /// three columns; the index has two of them) and one of stream_memberships, once a day.
    /// Returns the audience rows written.
    @discardableResult
    public func snapshot(now: Date, on connection: isolated PGConnection) throws -> Int {
        let day = "($1::timestamptz AT TIME ZONE 'UTC')::date"
        try connection.execute(
            "DELETE FROM \(schema.qualified("audience_snapshots")) WHERE taken_on = \(day)", [now])
        try connection.execute(
            "DELETE FROM \(schema.qualified("stream_snapshots")) WHERE taken_on = \(day)", [now])
        // Every stored stream, members or not (0 is a point of its chart); a membership of a
        // stream deleted meanwhile cannot exist (foreign key).
        try connection.execute(
            """
            INSERT INTO \(schema.qualified("stream_snapshots")) (taken_on, stream, members)
            SELECT \(day), s.name, (SELECT count(*) FROM \(schema.qualified("stream_memberships")) m WHERE m.stream = s.name)
            FROM \(schema.qualified("streams")) s
            """, [now])
        return try connection.execute(
            """
            INSERT INTO \(schema.qualified("audience_snapshots")) (taken_on, segment, status, channel, contacts)
            SELECT \(day), segment, campaign_status, channel, count(*) FROM \(schema.qualified("contacts"))
            GROUP BY segment, campaign_status, channel
            """, [now])
    }

    /// Snapshots of the last `days` days (by the database clock), oldest first, summed over
    /// channels (what `audience --history` printed before snapshots kept the channel).
    public func history(days: Int, segment: String?, on connection: isolated PGConnection) throws
        -> [AudienceSnapshotRow]
    {
        try connection.query(
            """
            SELECT taken_on::timestamp AT TIME ZONE 'UTC' AS day, segment, status::text AS status, sum(contacts)::bigint AS contacts
            FROM \(schema.qualified("audience_snapshots"))
            WHERE taken_on > (\(schema.qualified("clock_now"))() AT TIME ZONE 'UTC')::date - $1::int AND ($2::text IS NULL OR segment = $2)
            GROUP BY taken_on, segment, status
            ORDER BY taken_on, segment, status
            """, [days, segment]
        ).rows.map {
            AudienceSnapshotRow(
                day: try $0.decode("day"), segment: try $0.decode("segment"),
                status: CampaignStatus(rawValue: try $0.decode("status")) ?? .active,
                contacts: try $0.decode("contacts"))
        }
    }

    /// The last `days` days' snapshots per status and channel, summed over segments, oldest
    /// first. Reads the primary key's range on taken_on (at 20 segments × 5 statuses × 2
    /// channels, 90 days are ≈ 18,000 rows at most; grouped in memory).
    /// Throws `DashboardInputError` naming `days` outside 1...3660 (as `audience --history`).
    public func historyByChannel(days: Int, on connection: isolated PGConnection) throws -> [AudienceChannelRow] {
        try DashboardInputError.check(days, "days", in: 1...3660)
        return try connection.query(
            """
            SELECT taken_on::timestamp AT TIME ZONE 'UTC' AS day, status::text AS status, channel, sum(contacts)::bigint AS contacts
            FROM \(identifier: schema.qualified("audience_snapshots"))
            WHERE taken_on > (\(identifier: schema.qualified("clock_now"))() AT TIME ZONE 'UTC')::date - \(bind: days)::int
            GROUP BY taken_on, status, channel
            ORDER BY taken_on, status, channel
            """
        ).rows.map {
            AudienceChannelRow(
                day: try $0.decode("day"), status: CampaignStatus(rawValue: try $0.decode("status")) ?? .active,
                channel: try $0.decode("channel"), contacts: try $0.decode("contacts"))
        }
    }

    /// Members per stream over the last `days` days (by the database clock), oldest first, by
    /// the primary key's range on taken_on.
    public func streamHistory(days: Int, on connection: isolated PGConnection) throws -> [StreamSnapshotRow] {
        try connection.query(
            """
            SELECT taken_on::timestamp AT TIME ZONE 'UTC' AS day, stream, members
            FROM \(identifier: schema.qualified("stream_snapshots"))
            WHERE taken_on > (\(identifier: schema.qualified("clock_now"))() AT TIME ZONE 'UTC')::date - \(bind: days)::int
            ORDER BY taken_on, stream
            """
        ).rows.map {
            StreamSnapshotRow(
                day: try $0.decode("day"), stream: try $0.decode("stream"), members: try $0.decode("members"))
        }
    }
}

/// Takes today's snapshot (by the database clock); taking it twice on one day overwrites it.
extension AudienceHistory: DailyPass {
    public static let jobKind = "audience_snapshot"

    public func runDaily(now: Date, on connection: isolated PGConnection) throws {
        try snapshot(now: now, on: connection)
    }
}

/// The daily snapshot as a job (schedule `audience_snapshot`, 00:05 UTC).
public typealias AudienceSnapshotJob = DailyPassJob<AudienceHistory>
