// Events and sends per hour for the dashboard: closed hours from the rollup, the last two hours counted live.
import EbbflowCore
import Foundation
import PostgresClient

/// One hour's count of one metric and kind. `metric` is `event` (a person's), `machine` (a
/// machine open), `bot` (a link scanner's click), each with `kind` the event kind, or `send`
/// with `kind` the send's channel (sql/engine/0032, `activity_hourly`).
public struct ActivityHour: Sendable, Equatable {
    public var hour: Date
    public var metric: String
    public var kind: String
    public var count: Int
    /// Counted now rather than read from the rollup (the open hour and the one before it).
    public var live: Bool
}

/// Why the last two hours live: the rollup runs every 5 minutes, so the hour that just closed
/// may not be rolled up yet; counting it and the open hour live through the BRIN indexes reads
/// at most two hours of events and sends. Older hours are read from `activity_hourly`'s key.
public struct ActivityHours: Sendable {
    /// At most a week of hours.
    public static let maximumHours = 168
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// The last `hours` hours up to the open one (by the database clock), oldest first; hours
    /// and kinds with nothing are absent. Throws naming `hours` outside 2...168.
    public func read(hours: Int = 48, on connection: isolated PGConnection) throws -> [ActivityHour] {
        try DashboardInputError.check(hours, "hours", in: 2...Self.maximumHours)
        let open = "date_trunc('hour', \(schema.qualified("clock_now"))(), 'UTC')"
        let live = "\(open) - interval '1 hour'"
        func decode(_ rows: [PGRow], live: Bool) throws -> [ActivityHour] {
            try rows.map {
                ActivityHour(
                    hour: try $0.decode("hour"), metric: try $0.decode("metric"), kind: try $0.decode("kind"),
                    count: try $0.decode("count"), live: live)
            }
        }
        // activity_hourly's primary key (hour, metric, kind): a range of hour.
        let closed = try connection.query(
            """
            SELECT hour, metric, kind, count FROM \(schema.qualified("activity_hourly"))
            WHERE hour >= \(open) - make_interval(hours => $1::int - 1) AND hour < \(live)
            ORDER BY hour, metric, kind
            """, [hours]
        ).rows
        // engagement_events_occurred_brin and sends_at_brin: the two live hours' ranges.
        let current = try connection.query(
            """
            SELECT date_trunc('hour', e.occurred_at, 'UTC') AS hour,
                   CASE WHEN e.machine_open THEN 'machine' WHEN e.bot THEN 'bot' ELSE 'event' END AS metric,
                   e.kind, count(*) AS count
            FROM \(schema.qualified("engagement_events")) e
            WHERE e.occurred_at >= \(live) AND e.occurred_at < \(open) + interval '1 hour'
            GROUP BY 1, 2, 3
            UNION ALL
            SELECT date_trunc('hour', s.at, 'UTC'), 'send', s.channel, count(*)
            FROM \(schema.qualified("sends")) s
            WHERE s.at >= \(live) AND s.at < \(open) + interval '1 hour'
            GROUP BY 1, 2, 3
            ORDER BY 1, 2, 3
            """
        ).rows
        return try decode(closed, live: false) + decode(current, live: true)
    }
}
