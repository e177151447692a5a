// The dashboard's rollups (activity per hour, decisions per day, experiment tallies, sends per flow), recounted every 5 minutes.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// Why rollups: the dashboard's pages must render in under 300 ms at 10,000,000 events and
/// 2,000,000 sends, and these counts take seconds at that size (sql/engine/0032). Each part
/// recounts its window from the source tables and writes only what differs (upsert where the
/// count changed, delete a group that vanished), so running it twice, or after downtime, gives
/// the same rows as a direct count: nothing is incremented, nothing can drift.
///
/// Cost at 10,000,000 events, 2,000,000 sends and 1,000,000 decisions spread over a year:
/// activity reads 48 hours of events and sends through the BRIN indexes (≈ 55,000 events and
/// 11,000 sends, a few hundred 128-page ranges); decisions read today's (and any day since the
/// last count) through the BRIN index on stream_decisions (at); experiments one probe per send
/// of each live experiment through `sends_experiment` (≈ 1 s at 100,000 sends); flows one scan of
/// sends grouped by flow (≈ 1–2 s at 2,000,000). Each part is one job and one transaction, so no
/// snapshot is held for the whole pass.
public struct DashboardRollup: Sendable {
    /// One recount, in the order a run takes them.
    public enum Part: String, Codable, CaseIterable, Sendable {
        case activity, decisions, experiments, flows
    }

    /// Closed hours recounted each run: an event reported late (a provider's retry, a queue
    /// drained after downtime) within two days is still counted in its hour.
    public static let hoursRecounted = 48
    /// How far back the first run (or a run after a long stop) counts decisions per day.
    public static let decisionDaysBack = 90
    /// Experiments promoted this recently are still recounted (late conversions).
    public static let promotedRecountDays = 7

    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Runs `part` at `now` (the database clock) in the caller's transaction; returns the rows
    /// it inserted, changed or deleted (0 when the rollup was already current).
    @discardableResult
    public func run(_ part: Part, now: Date, on connection: isolated PGConnection) throws -> Int {
        switch part {
        case .activity: return try activity(now: now, on: connection)
        case .decisions: return try decisions(now: now, on: connection)
        case .experiments: return try experiments(now: now, on: connection)
        case .flows: return try flows(now: now, on: connection)
        }
    }

    /// Every part, each in its own transaction at the database clock read in it: for the
    /// benchmark, tests and anything that wants the rollups current now. Returns rows changed.
    @discardableResult
    public func runAll(on connection: isolated PGConnection) throws -> Int {
        var changed = 0
        for part in Part.allCases {
            changed += try connection.withTransactionSync {
                try run(part, now: try DatabaseClock(schema: schema).now(on: connection), on: connection)
            }
        }
        return changed
    }

    /// The upsert-and-prune tail shared by the hourly and daily recounts: `fresh` (a CTE of the
    /// recounted groups) replaces `table`'s rows within `window`.
    private func replace(
        _ table: String, keys: [String], value: String, window: String, fresh: String, bindings: PGBindings,
        on connection: isolated PGConnection
    ) throws -> Int {
        let qualified = schema.qualified(table)
        let columns = (keys + [value]).joined(separator: ", ")
        let match = keys.map { "f.\($0) = t.\($0)" }.joined(separator: " AND ")
        return try connection.query(
            """
            WITH fresh AS MATERIALIZED (\(fresh)),
            upserted AS (
                INSERT INTO \(qualified) AS t (\(columns)) SELECT \(columns) FROM fresh
                ON CONFLICT (\(keys.joined(separator: ", "))) DO UPDATE SET \(value) = excluded.\(value)
                WHERE t.\(value) IS DISTINCT FROM excluded.\(value)
                RETURNING 1
            ),
            removed AS (
                DELETE FROM \(qualified) t WHERE \(window) AND NOT EXISTS (SELECT 1 FROM fresh f WHERE \(match))
                RETURNING 1
            )
            SELECT (SELECT count(*) FROM upserted) + (SELECT count(*) FROM removed) AS changed
            """, bindings
        ).first!.decode("changed")
    }

    /// Events (split human, machine open, bot click, by kind) and sends (by channel) per hour
    /// of the last 48 closed hours. Reads engagement_events_occurred_brin and sends_at_brin
    /// (bitmap heap scans of the 48-hour ranges); writes through activity_hourly's key.
    func activity(now: Date, on connection: isolated PGConnection) throws -> Int {
        let high = "date_trunc('hour', $1::timestamptz, 'UTC')"
        let low = "\(high) - make_interval(hours => $2::int)"
        let fresh = """
            SELECT date_trunc('hour', e.occurred_at, 'UTC') AS hour,
                   CASE WHEN e.machine_open THEN 'machine' WHEN e.bot THEN 'bot' ELSE 'event' END AS metric,
                   e.kind, count(*) AS count
            FROM \(schema.qualified("engagement_events")) e
            WHERE e.occurred_at >= \(low) AND e.occurred_at < \(high)
            GROUP BY 1, 2, 3
            UNION ALL
            SELECT date_trunc('hour', s.at, 'UTC'), 'send', s.channel, count(*)
            FROM \(schema.qualified("sends")) s
            WHERE s.at >= \(low) AND s.at < \(high)
            GROUP BY 1, 2, 3
            """
        return try replace(
            "activity_hourly", keys: ["hour", "metric", "kind"], value: "count",
            window: "t.hour >= \(low) AND t.hour < \(high)", fresh: fresh, bindings: [now, Self.hoursRecounted],
            on: connection)
    }

    /// Decisions per UTC day by chosen stream and reason: today, and every day since the last
    /// day already counted (that day included: it was counted while still open), at most 90
    /// days back. The first run of a day therefore recounts yesterday once it is closed.
    /// Reads max(day) from stream_decisions_daily's key and the range through
    /// stream_decisions_at_brin.
    func decisions(now: Date, on connection: isolated PGConnection) throws -> Int {
        let table = schema.qualified("stream_decisions_daily")
        let today = "($1::timestamptz AT TIME ZONE 'UTC')::date"
        let from = """
            greatest(coalesce((SELECT max(day) FROM \(table)), \(today) - $2::int), \(today) - $2::int)
            """
        let fresh = """
            SELECT (d.at AT TIME ZONE 'UTC')::date AS day, coalesce(d.chosen, 'none') AS stream, d.reason, count(*) AS decisions
            FROM \(schema.qualified("stream_decisions")) d
            WHERE d.at >= (\(from))::timestamp AT TIME ZONE 'UTC' AND d.at < (\(today) + 1)::timestamp AT TIME ZONE 'UTC'
            GROUP BY 1, 2, 3
            """
        return try replace(
            "stream_decisions_daily", keys: ["day", "stream", "reason"], value: "decisions",
            window: "t.day >= \(from) AND t.day <= \(today)", fresh: fresh,
            bindings: [now, Self.decisionDaysBack], on: connection)
    }

    /// Tallies of every experiment not yet promoted, or promoted in the last 7 days
    /// (`ExperimentStore.tallies`: one probe per send through `sends_experiment` and the
    /// contact's events or transitions); variants no longer defined lose their row.
    func experiments(now: Date, on connection: isolated PGConnection) throws -> Int {
        let store = ExperimentStore(schema: schema)
        let table = schema.qualified("experiment_tallies")
        var changed = 0
        for info in try store.list(on: connection) {
            if let promoted = info.promoted,
                promoted.at < now.addingTimeInterval(-Double(Self.promotedRecountDays) * 86_400)
            {
                continue
            }
            let tallies = try store.tallies(info, on: connection)
            changed += try connection.execute(
                """
                INSERT INTO \(table) AS t (experiment, variant, sends, conversions, computed_at)
                SELECT $1, v.variant, v.sends, v.conversions, $5
                FROM unnest($2::text[], $3::bigint[], $4::bigint[]) AS v(variant, sends, conversions)
                ON CONFLICT (experiment, variant) DO UPDATE SET sends = excluded.sends, conversions = excluded.conversions,
                    computed_at = excluded.computed_at
                """,
                [
                    info.experiment.name, tallies.map(\.name), tallies.map { Int64($0.sends) },
                    tallies.map { Int64($0.conversions) }, now,
                ])
            changed += try connection.execute(
                "DELETE FROM \(table) WHERE experiment = $1 AND variant <> ALL($2::text[])",
                [info.experiment.name, tallies.map(\.name)])
        }
        return changed
    }

    /// Sends per flow: one scan of sends grouped by flow (no index on sends.flow: a btree
    /// would cost every send a write to serve a 5-minute count), flows without sends removed.
    func flows(now: Date, on connection: isolated PGConnection) throws -> Int {
        let table = schema.qualified("flow_send_counts")
        return try connection.query(
            """
            WITH fresh AS MATERIALIZED (SELECT flow, count(*) AS sends FROM \(schema.qualified("sends")) GROUP BY flow),
            upserted AS (
                INSERT INTO \(table) AS t (flow, sends, computed_at) SELECT flow, sends, $1 FROM fresh
                ON CONFLICT (flow) DO UPDATE SET sends = excluded.sends, computed_at = excluded.computed_at
                RETURNING t.sends
            ),
            removed AS (DELETE FROM \(table) t WHERE NOT EXISTS (SELECT 1 FROM fresh f WHERE f.flow = t.flow) RETURNING 1)
            SELECT (SELECT count(*) FROM upserted) + (SELECT count(*) FROM removed) AS changed
            """, [now]
        ).first!.decode("changed")
    }
}

/// Which part a rollup job runs; the schedule enqueues `{}`, the first part.
public struct DashboardRollupArgs: Codable, Sendable {
    public var part: DashboardRollup.Part?
    public init(part: DashboardRollup.Part? = nil) { self.part = part }
}

/// The rollup as a chain of jobs (schedule `dashboard_rollup`, `@every 5m`, queue `sweeps`):
/// each part runs in its own job and transaction and enqueues the next part in that same
/// transaction, so a crash resumes at the part that failed and no transaction spans the pass.
public struct DashboardRollupJob: TransactionalJobHandler {
    public typealias Args = DashboardRollupArgs
    public static let kind = "dashboard_rollup"
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    public func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome
    {
        let part = job.args.part ?? DashboardRollup.Part.allCases[0]
        try DashboardRollup(schema: schema).run(part, now: context.now, on: connection)
        let parts = DashboardRollup.Part.allCases
        if let index = parts.firstIndex(of: part), index + 1 < parts.count {
            try context.store.enqueue(
                try NewJob(kind: Self.kind, encoding: Args(part: parts[index + 1]), queue: job.row.queue),
                on: connection)
        }
        return .completed
    }
}
