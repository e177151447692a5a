// The dashboard rollup: its tables equal a direct count of the sources, a second run changes nothing, and the job chains its parts.
import EbbflowCore
import EbbflowEngine
import EbbflowQueue
import EbbflowTestSupport
import Foundation
import PostgresClient
import Testing

@Suite struct DashboardRollupTests {
    /// 2027-01-15 08:20 UTC: the open hour is 08:00, the 48 closed hours start 2027-01-13 08:00.
    static let now = Date(timeIntervalSince1970: 1_800_000_000 + 20 * 60)

    /// A stream with an experiment and one without (shared with `DashboardReadTests`).
    static let streams = """
        streams:
          - name: promotion
            entry: {event: page_visit}
            steps:
              - send: {template: promo, experiment: {name: subject, metric: opens,
                       variants: [{name: curiosity, template: promo_curiosity}, {name: value, template: promo_value}]}}
          - name: quiet
            entry: {event: form_submit}
            steps:
              - send: {template: hello}
        """

    /// 40 contacts; events every 37 minutes over 60 hours up to the open hour (opens, clicks,
    /// machine opens, bot clicks); sends every 53 minutes on two channels, some of the
    /// experiment; decisions every 71 minutes over five days, choosing the stream or none.
    static func seed(_ connection: PGConnection, _ schema: SchemaName) async throws {
        try await connection.withTransaction { connection in
            try DatabaseClock(schema: schema).set(now, on: connection)
            _ = try StreamStore(schema: schema).apply(Data(streams.utf8), on: connection)
        }
        let s = schema.quoted
        let t = "timestamptz '2027-01-15 08:20:00+00'"
        try await connection.simpleQuery(
            """
            INSERT INTO \(s).contacts (external_id, email, segment, status_changed_at, created_at)
            SELECT 'c' || g, NULL, 'retail', '2027-01-01', '2027-01-01' FROM generate_series(1, 40) g;
            INSERT INTO \(s).engagement_events (contact_id, external_id, kind, occurred_at, received_at, applied_at, machine_open, bot)
            SELECT c.id, c.external_id, CASE WHEN g % 3 = 0 THEN 'click' ELSE 'open' END, \(t) - g * interval '37 minutes',
                   \(t), \(t), g % 3 <> 0 AND g % 5 = 0, g % 3 = 0 AND g % 7 = 0
            FROM generate_series(0, 100) g JOIN \(s).contacts c ON c.id = (SELECT min(id) FROM \(s).contacts) + g % 40;
            INSERT INTO \(s).sends (contact_id, flow, step, template, channel, at, experiment, variant)
            SELECT c.id, CASE WHEN g % 4 = 0 THEN 'promotion' ELSE 'welcome' END, 0, 'promo', CASE WHEN g % 6 = 0 THEN 'ads' ELSE 'email' END,
                   \(t) - g * interval '53 minutes', CASE WHEN g % 4 = 0 THEN 'subject' END,
                   CASE WHEN g % 4 = 0 THEN CASE WHEN g % 8 = 0 THEN 'curiosity' ELSE 'value' END END
            FROM generate_series(0, 70) g JOIN \(s).contacts c ON c.id = (SELECT min(id) FROM \(s).contacts) + g % 40;
            INSERT INTO \(s).stream_decisions (contact_id, at, trigger, previous, chosen, reason, candidates)
            SELECT c.id, \(t) - g * interval '71 minutes', 'event', NULL, CASE WHEN g % 3 = 0 THEN NULL ELSE 'promotion' END,
                   CASE WHEN g % 2 = 0 THEN 'entered' ELSE 'stayed' END, '[]'
            FROM generate_series(0, 80) g JOIN \(s).contacts c ON c.id = (SELECT min(id) FROM \(s).contacts) + g % 40;
            """)
    }

    /// The rollup tables' rows (without computed_at), sorted: what a second run must leave alone.
    static func contents(_ connection: PGConnection, _ schema: SchemaName) async throws -> [String] {
        var rows: [String] = []
        for table in ["activity_hourly", "stream_decisions_daily", "experiment_tallies", "flow_send_counts"] {
            rows += try await connection.query(
                "SELECT '\(table) ' || (to_jsonb(t) - 'computed_at')::text AS row FROM \(schema.qualified(table)) t ORDER BY 1"
            ).rows.map { try $0.decode("row") }
        }
        return rows
    }

    @Test func rollupEqualsADirectCountAndASecondRunChangesNothing() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await Self.seed(connection, schema)
            let s = schema.quoted
            let rollup = DashboardRollup(schema: schema)
            let first = try await connection.run { try rollup.runAll(on: $0) }
            #expect(first > 0)

            // Activity: the 48 closed hours, counted directly.
            let direct = """
                SELECT hour::text || ' ' || metric || ' ' || kind || ' ' || count AS row FROM (
                    SELECT date_trunc('hour', occurred_at, 'UTC') AS hour,
                           CASE WHEN machine_open THEN 'machine' WHEN bot THEN 'bot' ELSE 'event' END AS metric, kind, count(*) AS count
                    FROM \(s).engagement_events
                    WHERE occurred_at >= '2027-01-13 08:00+00' AND occurred_at < '2027-01-15 08:00+00' GROUP BY 1, 2, 3
                    UNION ALL
                    SELECT date_trunc('hour', at, 'UTC'), 'send', channel, count(*) FROM \(s).sends
                    WHERE at >= '2027-01-13 08:00+00' AND at < '2027-01-15 08:00+00' GROUP BY 1, 2, 3) d ORDER BY 1
                """
            let rolled =
                "SELECT hour::text || ' ' || metric || ' ' || kind || ' ' || count AS row FROM \(s).activity_hourly ORDER BY 1"
            let expected: [String] = try await connection.query(direct).rows.map { try $0.decode("row") }
            #expect(expected.count > 40 && expected.contains { $0.contains(" machine open ") })
            #expect(expected.contains { $0.contains(" bot click ") } && expected.contains { $0.contains(" send ads ") })
            #expect(try await connection.query(rolled).rows.map { try $0.decode("row", as: String.self) } == expected)

            // Decisions per day: every day of the seed (five, all within 90 days), today included.
            let decisions: [String] = try await connection.query(
                """
                SELECT (at AT TIME ZONE 'UTC')::date::text || ' ' || coalesce(chosen, 'none') || ' ' || reason || ' ' || count(*) AS row
                FROM \(s).stream_decisions GROUP BY (at AT TIME ZONE 'UTC')::date, chosen, reason ORDER BY 1
                """
            ).rows.map { try $0.decode("row") }
            #expect(
                try await connection.query(
                    "SELECT day::text || ' ' || stream || ' ' || reason || ' ' || decisions AS row FROM \(s).stream_decisions_daily ORDER BY 1"
                ).rows.map { try $0.decode("row", as: String.self) } == decisions)
            #expect(Set(decisions.map { $0.prefix(10) }).count == 5)

            // Sends per flow, and the experiment's tallies as ExperimentStore counts them live.
            #expect(
                try await connection.run { try FlowSendCounts(schema: schema).read(on: $0) }.map {
                    "\($0.flow)=\($0.sends)"
                }
                    == (try await connection.query(
                        "SELECT flow || '=' || count(*) AS row FROM \(s).sends GROUP BY flow ORDER BY flow"
                    ).rows.map { try $0.decode("row", as: String.self) }))
            let live = try await connection.run { connection in
                let store = ExperimentStore(schema: schema)
                return try store.list(on: connection).map { try store.tallies($0, on: connection) }
            }
            let cached = try await connection.run { try ExperimentTallyCache(schema: schema).judgements(on: $0) }
            #expect(cached.map(\.cached.tallies) == live)
            #expect(live.first?.map(\.sends).reduce(0, +) == 18, "every fourth of 71 sends")

            // Again: nothing differs, and the hourly and daily parts write nothing.
            let before = try await Self.contents(connection, schema)
            let again = try await connection.run { connection in
                try connection.withTransactionSync {
                    try rollup.run(.activity, now: Self.now, on: connection)
                        + rollup.run(.decisions, now: Self.now, on: connection)
                }
            }
            #expect(again == 0)
            _ = try await connection.run { try rollup.runAll(on: $0) }
            #expect(try await Self.contents(connection, schema) == before)

            // A late event in a closed hour is counted; a group of today that emptied is removed.
            try await connection.simpleQuery(
                """
                INSERT INTO \(s).engagement_events (contact_id, external_id, kind, occurred_at, received_at, applied_at)
                SELECT id, external_id, 'page_visit', '2027-01-14 03:10+00', '2027-01-15 08:20+00', '2027-01-15 08:20+00'
                FROM \(s).contacts ORDER BY id LIMIT 1;
                DELETE FROM \(s).stream_decisions WHERE reason = 'stayed' AND chosen IS NULL AND at >= '2027-01-15 00:00+00';
                """)
            let changed = try await connection.run { connection in
                try connection.withTransactionSync {
                    try rollup.run(.activity, now: Self.now, on: connection)
                        + rollup.run(.decisions, now: Self.now, on: connection)
                }
            }
            #expect(changed >= 2)
            #expect(
                try await MigratedSchema.count(
                    connection,
                    "SELECT 1 FROM \(s).activity_hourly WHERE hour = '2027-01-14 03:00+00' AND kind = 'page_visit' AND count = 1"
                ) == 1)
            #expect(
                try await MigratedSchema.count(
                    connection,
                    "SELECT 1 FROM \(s).stream_decisions_daily WHERE day = '2027-01-15' AND stream = 'none' AND reason = 'stayed'"
                ) == 0)
        }
    }

    /// A day counted while open is counted again by the first run after it closed: a decision
    /// of its last minutes is not lost.
    @Test func theFirstRunOfADayRecountsTheDayBefore() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await Self.seed(connection, schema)
            let s = schema.quoted
            let rollup = DashboardRollup(schema: schema)
            let late = Date(timeIntervalSince1970: 1_800_000_000 + 15 * 3600 + 50 * 60) // 2027-01-15 23:50
            _ = try await connection.run { try rollup.run(.decisions, now: late, on: $0) }
            let day = "SELECT sum(decisions) AS n FROM \(s).stream_decisions_daily WHERE day = '2027-01-15'"
            let before: Int = try await connection.query(day).first!.decode("n")
            try await connection.simpleQuery(
                """
                INSERT INTO \(s).stream_decisions (contact_id, at, trigger, previous, chosen, reason, candidates)
                SELECT min(id), t, 'event', NULL, 'promotion', 'entered', '[]'
                FROM \(s).contacts, (VALUES (timestamptz '2027-01-15 23:58+00'), ('2027-01-16 00:02+00')) v(t) GROUP BY t;
                """)
            _ = try await connection.run { try rollup.run(.decisions, now: late.addingTimeInterval(15 * 60), on: $0) }
            #expect(try await connection.query(day).first!.decode("n", as: Int.self) == before + 1)
            // Once the new day has a row, later runs leave the closed day alone.
            try await connection.execute("DELETE FROM \(s).stream_decisions WHERE at = '2027-01-15 23:58+00'")
            _ = try await connection.run { try rollup.run(.decisions, now: late.addingTimeInterval(25 * 60), on: $0) }
            #expect(try await connection.query(day).first!.decode("n", as: Int.self) == before + 1)
        }
    }

    /// The installed schedule's job runs its four parts, each as a job of its own.
    @Test func scheduledJobChainsItsParts() async throws {
        try await MigratedSchema.with(simulation: true) { connection, schema in
            try await Self.seed(connection, schema)
            let s = schema.quoted
            for table in ["schedules", "builtin_schedules"] {
                #expect(
                    try await MigratedSchema.count(
                        connection,
                        "SELECT 1 FROM \(s).\(table) WHERE name = 'dashboard_rollup' AND cron = '@every 5m' AND queue = 'sweeps' AND kind = 'dashboard_rollup'"
                    ) == 1)
            }
            try await connection.execute("UPDATE \(s).schedules SET enabled = false")
            try await connection.execute("DELETE FROM \(s).jobs")
            try await connection.run { connection in
                _ = try JobStore(schema: schema).enqueue(
                    NewJob(kind: "dashboard_rollup", args: PGJSON("{}"), queue: "sweeps"), on: connection)
            }
            var registry = JobRegistry.builtins()
            registry.registerEngine(schema: schema)
            try await QueueWorker(
                database: try TestDatabase.configuration, schema: schema, registry: registry,
                configuration: WorkerConfiguration(queues: ["sweeps"], listen: false, drain: true),
                logger: QuietLogger.logger
            ).run()
            let parts: [String] = try await connection.query(
                """
                SELECT coalesce(args->>'part', '-') AS part FROM \(s).finished_jobs
                WHERE kind = 'dashboard_rollup' AND state = 'completed' ORDER BY id
                """
            ).rows.map { try $0.decode("part") }
            #expect(parts == ["-", "decisions", "experiments", "flows"])
            for table in ["activity_hourly", "stream_decisions_daily", "experiment_tallies", "flow_send_counts"] {
                #expect(try await MigratedSchema.count(connection, "SELECT 1 FROM \(s).\(table)") > 0, "\(table)")
            }
        }
    }
}
