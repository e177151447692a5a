// Daily audience snapshots: counts per segment and status, one row each per day (idempotent).
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

public struct AudienceHistory: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    @discardableResult
    public func snapshot(now: Date, on connection: isolated PGConnection) throws -> Int {
        try connection.execute(
            """
            INSERT INTO \(schema.qualified("audience_snapshots")) (taken_on, segment, status, contacts)
            SELECT ($1::timestamptz AT TIME ZONE 'UTC')::date, segment, campaign_status, count(*) FROM \(schema.qualified("contacts"))
            GROUP BY segment, campaign_status
            ON CONFLICT (taken_on, segment, status) DO UPDATE SET contacts = excluded.contacts
            """, [now])
    }

    /// Snapshots of the last `days` days (by the database clock), oldest first.
    public func history(days: Int, segment: String?, on connection: isolated PGConnection) throws
        -> [AudienceSnapshotRow]
    {
        try connection.query(
            """
            SELECT taken_on::timestamp AT TIME ZONE 'UTC' AS day, segment, status::text AS status, contacts
            FROM \(schema.qualified("audience_snapshots"))
            WHERE taken_on > (\(schema.qualified("clock_now"))() AT TIME ZONE 'UTC')::date - $1::int AND ($2::text IS NULL OR segment = $2)
            ORDER BY taken_on, segment, status
            """, [days, segment]
        ).rows.map {
            AudienceSnapshotRow(
                day: try $0.decode("day"), segment: try $0.decode("segment"),
                status: CampaignStatus(rawValue: try $0.decode("status")) ?? .active,
                contacts: try $0.decode("contacts"))
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
