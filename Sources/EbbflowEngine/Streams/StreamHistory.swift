// Streams over time for the dashboard: members per stream (daily snapshots and now), the arbiter's decisions per day, the decision log, versions.
import EbbflowCore
import Foundation
import PostgresClient

/// Members of each stream now.
public struct StreamMembersNow: Sendable, Equatable {
    public var stream: String
    public var members: Int
}

/// The arbiter's decisions of one UTC day that chose `stream` (`none`: it chose none) for
/// `reason`, from the rollup (`stream_decisions_daily`).
public struct StreamDecisionDay: Sendable, Equatable {
    public var day: Date
    public var stream: String
    public var reason: String
    public var decisions: Int
}

/// One row of the decision log.
public struct StreamDecisionLogEntry: Sendable {
    public var id: Int64
    public var contactID: Int64
    /// The contact's external id ("" if the contact row is gone).
    public var externalID: String
    public var decision: StreamDecisionView
}

/// A page of the log, newest first.
public struct StreamDecisionLogPage: Sendable {
    public var entries: [StreamDecisionLogEntry]
    /// Pass as `before` for the next (older) page; nil when the log's start was reached.
    public var older: Int64?
    /// With a stream filter: decisions looked at for this page (at most 50,000); a short page
    /// with `older` set means the filter's matches are sparse, not that the log ended.
    public var scanned: Int
}

/// One version of a stream's definition.
public struct StreamVersionEntry: Sendable {
    public var version: Int
    public var createdAt: Date
    /// The definition as validated and stored (JSON).
    public var definition: PGJSON
}

/// Why snapshots and a rollup: members per stream over 90 days and the share of decisions per
/// day would otherwise be counted from 200,000 memberships' history (not kept) and 1,000,000
/// decisions on every view; the daily `audience_snapshot` pass keeps the first and
/// `dashboard_rollup` the second (sql/engine/0032).
public struct StreamHistory: Sendable {
    /// Decisions a filtered log page looks at, at most (a bounded scan: no index on chosen).
    public static let filterScanLimit = 50_000
    /// The largest log page.
    public static let maximumLimit = 500
    /// At most ten years of days, as `audience --history`.
    public static let maximumDays = 3_660
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Members per stream per day of the last `days` days, oldest first (the snapshots).
    public func members(days: Int, on connection: isolated PGConnection) throws -> [StreamSnapshotRow] {
        try DashboardInputError.check(days, "days", in: 1...Self.maximumDays)
        return try AudienceHistory(schema: schema).streamHistory(days: days, on: connection)
    }

    /// Members of every stored stream now (0 for an empty one): one index-only count over
    /// `stream_memberships_stream` per stream.
    /// `stream`: only that one (a stream's own page counts no other stream's members).
    public func membersNow(stream: String? = nil, on connection: isolated PGConnection) throws -> [StreamMembersNow] {
        try connection.query(
            """
            SELECT s.name, (SELECT count(*) FROM \(identifier: schema.qualified("stream_memberships")) m WHERE m.stream = s.name) AS members
            FROM \(identifier: schema.qualified("streams")) s
            WHERE \(bind: stream)::text IS NULL OR s.name = \(bind: stream)
            ORDER BY s.name
            """
        ).rows.map { StreamMembersNow(stream: try $0.decode("name"), members: try $0.decode("members")) }
    }

    /// Decisions per day, stream and reason over the last `days` days, oldest first, by the
    /// primary key's range on day (today's as of the last rollup, at most 5 minutes old).
    public func decisionsPerDay(days: Int, on connection: isolated PGConnection) throws -> [StreamDecisionDay] {
        try DashboardInputError.check(days, "days", in: 1...Self.maximumDays)
        return try connection.query(
            """
            SELECT day::timestamp AT TIME ZONE 'UTC' AS day, stream, reason, decisions
            FROM \(identifier: schema.qualified("stream_decisions_daily"))
            WHERE day > (\(identifier: schema.qualified("clock_now"))() AT TIME ZONE 'UTC')::date - \(bind: days)::int
            ORDER BY day, stream, reason
            """
        ).rows.map {
            StreamDecisionDay(
                day: try $0.decode("day"), stream: try $0.decode("stream"), reason: try $0.decode("reason"),
                decisions: try $0.decode("decisions"))
        }
    }

    /// A page of the decision log newest first, before decision id `before` (nil: the newest).
    /// Unfiltered: the primary key backwards, `limit + 1` rows. With `stream`: the decisions
    /// that chose it or left it, among at most 50,000 read backwards by the primary key
    /// (`scanned` says how many; only id, previous and chosen are kept of each, the page's
    /// rows are then fetched by key: 30–70 ms at 50,000 here); `older` then continues after the last
    /// one looked at.
    public func decisionLog(
        stream: String?, before: Int64?, limit: Int, on connection: isolated PGConnection
    ) throws -> StreamDecisionLogPage {
        try DashboardInputError.check(limit, "limit", in: 1...Self.maximumLimit)
        if let before, before < 1 { throw DashboardInputError(field: "before", "\(before) is not a decision id") }
        if let stream, stream.isEmpty || stream.utf8.count > 200 {
            throw DashboardInputError(field: "stream", "not a stream name (1 to 200 bytes)")
        }
        let scan = stream == nil ? limit + 1 : Self.filterScanLimit
        let rows = try connection.query(
            """
            WITH scanned AS MATERIALIZED (
                SELECT id, previous, chosen FROM \(identifier: schema.qualified("stream_decisions"))
                WHERE id < \(bind: before ?? Int64.max) ORDER BY id DESC LIMIT \(bind: scan)
            ), bounds AS (SELECT count(*) AS scanned, min(id) AS last FROM scanned),
            matched AS (
                SELECT s.id FROM scanned s
                WHERE \(bind: stream)::text IS NULL OR s.chosen = \(bind: stream) OR s.previous = \(bind: stream)
                ORDER BY s.id DESC LIMIT \(bind: limit + 1)
            )
            SELECT d.id, d.contact_id, c.external_id, d.at, d.trigger, d.previous, d.chosen, d.reason, d.candidates,
                   b.scanned, b.last
            FROM bounds b
            LEFT JOIN matched m ON true
            LEFT JOIN \(identifier: schema.qualified("stream_decisions")) d ON d.id = m.id
            LEFT JOIN \(identifier: schema.qualified("contacts")) c ON c.id = d.contact_id
            ORDER BY d.id DESC
            """
        ).rows
        let scanned: Int = try rows.first?.decode("scanned") ?? 0
        let last: Int64? = try rows.first?.decode("last", as: Int64?.self) ?? nil
        var entries: [StreamDecisionLogEntry] = []
        for row in rows {
            guard let id: Int64 = try row.decode("id") else { continue }
            entries.append(
                StreamDecisionLogEntry(
                    id: id, contactID: try row.decode("contact_id"),
                    externalID: try row.decode("external_id", as: String?.self) ?? "",
                    decision: StreamDecisionView(
                        at: try row.decode("at"), trigger: try row.decode("trigger"),
                        previous: try row.decode("previous"), chosen: try row.decode("chosen"),
                        reason: try row.decode("reason"), candidates: try row.decode("candidates"))))
        }
        if entries.count > limit {
            entries.removeLast(entries.count - limit)
            return StreamDecisionLogPage(entries: entries, older: entries.last?.id, scanned: scanned)
        }
        // Fewer than asked: unfiltered, the log ended; filtered, continue after the scan's end
        // unless it read fewer rows than it could (the log's start).
        let more = stream != nil && scanned == scan
        return StreamDecisionLogPage(entries: entries, older: more ? last : nil, scanned: scanned)
    }

    /// Every version of stream `name`, newest first, by `stream_versions`' primary key
    /// (stream, version); empty for an unknown stream.
    public func versions(_ name: String, on connection: isolated PGConnection) throws -> [StreamVersionEntry] {
        try connection.query(
            """
            SELECT version, created_at, definition FROM \(identifier: schema.qualified("stream_versions"))
            WHERE stream = \(bind: name) ORDER BY version DESC LIMIT 1000
            """
        ).rows.map {
            StreamVersionEntry(
                version: try $0.decode("version"), createdAt: try $0.decode("created_at"),
                definition: try $0.decode("definition"))
        }
    }
}
