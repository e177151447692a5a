// The dashboard bench's data: a simulation schema filled server-side (INSERT … SELECT … generate_series) to issue 19's sizes.
import EbbflowCore
import Foundation
import PostgresClient

/// The sizes of one fill; every figure was range-checked by the command.
struct DashboardSizes: Sendable {
    var contacts: Int
    var events: Int
    var finishedJobs: Int
    var sends: Int

    /// The contact with 20,000 events (or a tenth of the events on a small fill): the timeline's worst case.
    static let heavyContact = 42
    var heavyEvents: Int { min(20_000, events / 10) }
    var liveJobs: Int { min(20_000, max(100, finishedJobs / 50)) }
    /// The one segment with ~0.01 % of the contacts.
    static let rareSegment = "vip_rare"
    /// The one job kind with ~0.001 % of the finished jobs (at least one).
    static let rareKind = "privacy_export"
}

/// Why server-side statements: 10,000,000 events through COPY would spend minutes sending
/// bytes; `generate_series` makes them inside PostgreSQL. Rows arrive in time order (ids grow
/// with `at`), as the engine writes them, so the BRIN time indexes are as tight as in production.
/// Numbers in the statements are the command's validated integers, not user text.
struct DashboardFill {
    static let now = EngineFixture.now // 2027-01-15 08:00 UTC
    static let nowSQL = "timestamptz '2027-01-15 08:00:00+00'"
    /// Five streams, two of them with an A/B experiment in their first send step (flow style:
    /// one stream a line or two).
    static let streamsYAML = """
        streams:
          - {name: welcome, entry: {event: signup, statuses: [active]}, exits: [purchase], goal: {event: purchase, within: 14d},
             steps: [{send: {template: welcome_1, experiment: {name: welcome_subject, metric: opens,
               variants: [{name: plain, template: welcome_1}, {name: question, template: welcome_1_question}]}}}, {wait: 3d}, {send: welcome_2}]}
          - {name: promo_offer, entry: {event: page_visit, statuses: [active, engaged, reactivated]}, exits: [purchase],
             goal: {event: purchase, within: 7d}, steps: [{send: {template: promo_offer, experiment: {name: promo_discount,
               metric: clicks, variants: [{name: ten, template: promo_offer}, {name: twenty, template: promo_offer_20}]}}},
               {wait: 4d}, {send: promo_offer_reminder}]}
          - {name: post_purchase, entry: {event: purchase}, goal: {event: purchase, within: 21d},
             steps: [{send: purchase_thanks}, {wait: 7d}, {send: purchase_cross_sell}]}
          - {name: post_return, mode: locked, entry: {event: product_return}, goal: {event: purchase, within: 30d},
             steps: [{send: return_sorry}, {wait: 3d}, {send: return_follow_up}]}
          - {name: support_follow_up, priority: 5, entry: {event: support_ticket}, exits: [purchase],
             steps: [{wait: 2d}, {send: ticket_check_in}]}
        """
    static let streams = ["welcome", "promo_offer", "post_purchase", "post_return", "support_follow_up"]
    /// The tables whose secondary indexes are dropped for the load and rebuilt after.
    static let bigTables = [
        "contacts", "engagement_events", "transitions", "sends", "stream_memberships", "stream_decisions",
        "finished_jobs", "jobs",
    ]

    let sizes: DashboardSizes
    let connection: PGConnection
    let schema: SchemaName

    /// Runs every statement, printing each one's time; triggers are off for the load.
    func fill() async throws {
        try await connection.simpleQuery("SET search_path TO \(schema.quoted)")
        // For this session's index rebuilds: sorting 10,000,000 keys in 64 MB spills to disk in many runs.
        try await connection.simpleQuery("SET maintenance_work_mem = '512MB'")
        let superuser =
            try await connection.query(
                "SELECT rolsuper::text AS s FROM pg_roles WHERE rolname = current_user"
            ).first?.decode("s", as: String.self) == "true"
        let indexes = try await connection.query(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.schemaname = $1 AND i.tablename = ANY($2::text[])
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)
            """, [schema.name, "{\(Self.bigTables.joined(separator: ","))}"]
        ).rows.map { (try $0.decode("indexname", as: String.self), try $0.decode("indexdef", as: String.self)) }
        for (name, _) in indexes { try await connection.simpleQuery("DROP INDEX \(schema.qualified(name))") }
        progress("dropped \(indexes.count) secondary indexes")
        if superuser {
            try await connection.simpleQuery("SET session_replication_role = replica")
        } else {
            for table in Self.bigTables {
                try await connection.simpleQuery("ALTER TABLE \(table) DISABLE TRIGGER USER")
            }
        }
        for (label, sql) in statements() {
            let started = ContinuousClock.now
            try await connection.simpleQuery(sql)
            phase(String(format: "filled %@ in %.1f s", label, (ContinuousClock.now - started).seconds))
        }
        if superuser {
            try await connection.simpleQuery("SET session_replication_role = origin")
        } else {
            for table in Self.bigTables { try await connection.simpleQuery("ALTER TABLE \(table) ENABLE TRIGGER USER") }
        }
        for (name, definition) in indexes {
            let started = ContinuousClock.now
            try await connection.simpleQuery(definition)
            phase(String(format: "rebuilt index %@ in %.1f s", name, (ContinuousClock.now - started).seconds))
        }
        // This schema's tables only: the database may hold other schemas (other benches, a team's data).
        let tables = try await connection.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename", [schema.name]
        ).rows.map { schema.qualified(try $0.decode("tablename", as: String.self)) }
        let started = ContinuousClock.now
        try await connection.simpleQuery("VACUUM ANALYZE \(tables.joined(separator: ", "))")
        phase(String(format: "VACUUM ANALYZE in %.1f s", (ContinuousClock.now - started).seconds))
    }

    /// A deterministic pseudo-random non-negative integer per row `g` (PostgreSQL's own
    /// `hashint8`): contacts, kinds and flags drawn from it are not correlated with each other
    /// or with time, as `g % n` patterns would be.
    private func hash(_ salt: Int) -> String { "(hashint8(g + \(salt))::int8 & 2147483647)" }

    /// (label, statement) in load order. Contact `g` has id `g` and external id `c<g>`.
    func statements() -> [(String, String)] {
        let c = sizes.contacts, e = sizes.events - sizes.heavyEvents, heavy = sizes.heavyEvents
        let s = sizes.sends, f = sizes.finishedJobs, live = sizes.liveJobs, now = Self.nowSQL
        let year = "\(now) - interval '365 days'"
        return [
            (
                "\(c) contacts",
                """
                INSERT INTO contacts (id, external_id, email, segment, attributes, campaign_status, engagement_score,
                    last_engagement_at, reactivation_cycle, channel, status_changed_at, created_at, score_as_of, suppression_reason)
                SELECT g, 'c' || g, 'c' || g || '@example.com',
                    CASE WHEN g % 9973 = 5 THEN '\(DashboardSizes.rareSegment)' ELSE 'seg' || lpad((g % 19)::text, 2, '0') END,
                    jsonb_build_object('plan', (ARRAY['free', 'pro', 'team'])[1 + g % 3],
                        'country', (ARRAY['DE', 'FR', 'US', 'GB', 'NL'])[1 + g % 5],
                        'birthday', to_char(date '1970-01-01' + (g * 7 % 18000)::int, 'YYYY-MM-DD')),
                    st::campaign_status, (g % 1000) / 10.0, \(now) - (g * 13 % 400) * interval '1 day',
                    CASE WHEN st = 'reactivated' THEN 1 ELSE 0 END, CASE WHEN g % 100 >= 95 THEN 'ads' ELSE 'email' END,
                    \(now) - (g % 300) * interval '1 day', \(now) - interval '400 days', \(now) - interval '1 day',
                    CASE WHEN st = 'suppressed' THEN (ARRAY['unsubscribed', 'hard_bounce', 'complaint', 'manual_suppression',
                        'soft_bounce_limit'])[1 + g % 5] END
                FROM generate_series(1::int8, \(c)) g,
                    LATERAL (SELECT CASE WHEN g % 100 < 55 THEN 'active' WHEN g % 100 < 65 THEN 'engaged'
                        WHEN g % 100 < 80 THEN 'inactive' WHEN g % 100 < 85 THEN 'reactivated'
                        WHEN g % 100 < 95 THEN 'suppressed' ELSE 'inactive' END AS st) x
                """
            ),
            (
                "\(e) events over 365 days",
                """
                INSERT INTO engagement_events (id, contact_id, external_id, kind, occurred_at, received_at, source,
                    machine_open, bot, url, points, applied_at)
                SELECT g, cid, 'c' || cid, kind, at, at, 'import', kind = 'open' AND \(hash(3)) % 4 = 0, kind = 'click' AND \(hash(3)) % 25 = 0,
                    CASE WHEN kind = 'click' THEN 'https://example.com/p' || (g % 50) END,
                    CASE kind WHEN 'open' THEN 1 WHEN 'click' THEN 3 WHEN 'purchase' THEN 10 ELSE 2 END, at
                FROM (SELECT g, 1 + \(hash(1)) % \(c) AS cid, \(year) + (g::float8 / \(max(e, 1))) * interval '365 days' AS at,
                        (ARRAY['open', 'open', 'open', 'open', 'open', 'open', 'open', 'open', 'open', 'open', 'click',
                            'click', 'click', 'click', 'page_visit', 'page_visit', 'high_intent_visit', 'purchase',
                            'signup', 'product_return'])[1 + \(hash(2)) % 20] AS kind
                    FROM generate_series(1::int8, \(e)) g) x
                """
            ),
            (
                "\(heavy) events of contact c\(DashboardSizes.heavyContact)",
                """
                INSERT INTO engagement_events (id, contact_id, external_id, kind, occurred_at, received_at, source, points, applied_at)
                SELECT \(e) + g, \(DashboardSizes.heavyContact), 'c\(DashboardSizes.heavyContact)',
                    CASE WHEN g % 3 = 0 THEN 'click' ELSE 'open' END, at, at, 'import', 1, at
                FROM (SELECT g, \(year) + (g::float8 / \(max(heavy, 1))) * interval '365 days' AS at
                    FROM generate_series(1::int8, \(heavy)) g) x
                """
            ),
            (
                "\(2 * c) transitions",
                """
                INSERT INTO transitions (id, contact_id, from_status, to_status, reason, at)
                SELECT g, 1 + \(hash(4)) % \(c),
                    (ARRAY['active', 'engaged', 'active', 'inactive', 'inactive', 'active', 'engaged'])[1 + g % 7]::campaign_status,
                    (ARRAY['engaged', 'inactive', 'inactive', 'reactivated', 'inactive', 'suppressed', 'suppressed'])[1 + g % 7]::campaign_status,
                    (ARRAY['score_threshold', 'silence', 'no_engagement_after_sends', 'engaged_during_reactivation',
                        'moved_to_channel', 'unsubscribed', 'hard_bounce'])[1 + g % 7],
                    \(year) + (g::float8 / \(2 * c)) * interval '365 days'
                FROM generate_series(1::int8, \(2 * c)) g
                """
            ),
            (
                "\(s) sends",
                """
                INSERT INTO sends (id, contact_id, flow, step, template, channel, at, state, sent_at, experiment, variant,
                    goal_credited_at, segment_at_send, status_at_send, attempts, message_id, finished_at, cancel_reason,
                    last_error, not_before)
                SELECT g, 1 + \(hash(5)) % \(c), flow, step, flow || '_' || step, 'email', at, state,
                    CASE WHEN state = 'sent' THEN at + interval '1 minute' END,
                    CASE WHEN step = 0 AND flow = 'welcome' THEN 'welcome_subject' WHEN step = 0 AND flow = 'promo_offer' THEN 'promo_discount' END,
                    CASE WHEN step = 0 AND flow = 'welcome' THEN (ARRAY['plain', 'question'])[1 + g / 10 % 2]
                        WHEN step = 0 AND flow = 'promo_offer' THEN (ARRAY['ten', 'twenty'])[1 + g / 10 % 2] END,
                    CASE WHEN state = 'sent' AND g % 17 = 0 THEN at + interval '2 days' END,
                    'seg' || lpad((g % 19)::text, 2, '0'), 'active',
                    CASE state WHEN 'sent' THEN 1 WHEN 'dead' THEN 5 WHEN 'failed' THEN 2 ELSE 0 END,
                    CASE WHEN state = 'sent' THEN 'm' || g || '@bench' END,
                    CASE WHEN state IN ('sent', 'dead', 'cancelled') THEN at + interval '1 minute' END,
                    CASE WHEN state = 'cancelled' THEN 'suppressed' END,
                    CASE WHEN state IN ('dead', 'failed') THEN '550 5.1.1 mailbox unavailable' END,
                    CASE WHEN state = 'failed' THEN \(now) + interval '10 minutes' END
                FROM (SELECT g, (ARRAY['welcome', 'promo_offer', 'post_purchase', 'post_return', 'support_follow_up'])[1 + g % 5] AS flow,
                        g / 5 % 2 AS step, \(year) + (g::float8 / \(s)) * interval '365 days' AS at,
                        CASE WHEN g % 100 < 80 THEN 'sent' WHEN g % 100 < 90 THEN 'pending' WHEN g % 100 = 90 THEN 'dead'
                            WHEN g % 100 < 96 THEN 'cancelled' ELSE 'failed' END AS state
                    FROM generate_series(1::int8, \(s)) g) x
                """
            ),
            (
                "\(c / 5) stream memberships",
                """
                INSERT INTO stream_memberships (contact_id, stream, mode, entered_at, version, entry)
                SELECT g * 5, stream, CASE WHEN stream = 'post_return' THEN 'locked' ELSE 'open' END,
                    \(now) - (g % 60) * interval '1 day', 1, g
                FROM (SELECT g, (ARRAY['welcome', 'promo_offer', 'post_purchase', 'post_return', 'support_follow_up'])[1 + g % 5] AS stream
                    FROM generate_series(1::int8, \(c / 5)) g) x
                """
            ),
            (
                "\(c) stream decisions",
                """
                INSERT INTO stream_decisions (id, contact_id, at, trigger, previous, chosen, reason, candidates)
                SELECT g, 1 + \(hash(6)) % \(c), \(year) + (g::float8 / \(c)) * interval '365 days', 'event:page_visit',
                    CASE WHEN g % 3 = 0 THEN 'welcome' END, CASE WHEN reason = 'no_eligible_stream' THEN NULL ELSE chosen END,
                    reason,
                    CASE WHEN reason = 'no_eligible_stream' THEN '[]'::jsonb ELSE jsonb_build_array(
                        jsonb_build_object('stream', 'promo_offer', 'mean', 0.12, 'draw', 0.13),
                        jsonb_build_object('stream', 'promo_content', 'mean', 0.10, 'draw', 0.09)) END
                FROM (SELECT g, (ARRAY['promo_offer', 'welcome', 'post_purchase', 'post_return', 'support_follow_up'])[1 + g % 5] AS chosen,
                        (ARRAY['sampled_estimate', 'sampled_estimate', 'sampled_estimate', 'locked', 'locked_entry',
                            'manual_priority', 'no_eligible_stream'])[1 + g % 7] AS reason
                    FROM generate_series(1::int8, \(c)) g) x
                """
            ),
            (
                "365 days of audience and stream snapshots",
                """
                INSERT INTO audience_snapshots (taken_on, segment, status, channel, contacts)
                SELECT (\(now))::date - d, segment, campaign_status, channel, greatest(0, round(n * (0.6 + 0.4 * (365 - d) / 365.0)))::int
                FROM (SELECT segment, campaign_status, channel, count(*) AS n FROM contacts GROUP BY 1, 2, 3) now_counts,
                    generate_series(1, 365) d;
                INSERT INTO stream_snapshots (taken_on, stream, members)
                SELECT (\(now))::date - d, stream, round(n * (0.5 + 0.5 * (365 - d) / 365.0))::int
                FROM (SELECT stream, count(*) AS n FROM stream_memberships GROUP BY 1) now_counts, generate_series(1, 365) d
                """
            ),
            (
                "\(f) finished jobs and \(live) live jobs, 3 workers",
                """
                INSERT INTO finished_jobs (id, state, queue, kind, args, priority, run_at, attempt, max_attempts, errors,
                    created_at, attempted_at, finished_at, finished_by)
                SELECT g, state::job_state, (ARRAY['default', 'sweeps', 'mail'])[1 + g % 3], kind, jsonb_build_object('n', g), 0,
                    at - interval '2 seconds', CASE WHEN state = 'completed' THEN 1 ELSE 3 END, 3,
                    CASE WHEN state = 'completed' THEN '[]'::jsonb ELSE jsonb_build_array(jsonb_build_object('at', at,
                        'attempt', 3, 'kind', state, 'message', 'bench: failed on purpose')) END,
                    at - interval '3 seconds', at - interval '1 second', at, 'bench-worker-' || (1 + g % 3)
                FROM (SELECT g, \(now) - interval '30 days' + (g::float8 / \(f)) * interval '30 days' AS at,
                        CASE WHEN g % 100 < 97 THEN 'completed' WHEN g % 100 < 99 THEN 'discarded' ELSE 'cancelled' END AS state,
                        CASE WHEN g % 100000 = 11 THEN '\(DashboardSizes.rareKind)' ELSE (ARRAY['apply_events', 'apply_pending_events',
                            'stream_step', 'flow_step', 'flow_wait_end', 'reactivation_step', 'dashboard_rollup', 'decay_scores',
                            'inactivity_sweep', 'audience_snapshot', 'deliver_sends'])[1 + g % 11] END AS kind
                    FROM generate_series(1::int8, \(f)) g) x;
                INSERT INTO jobs (id, state, queue, kind, args, priority, run_at, attempt, max_attempts, locked_by,
                    lease_expires_at, created_at, attempted_at, errors)
                SELECT \(f) + g, state::job_state, (ARRAY['default', 'sweeps', 'mail'])[1 + g % 3],
                    CASE WHEN g = 7 THEN '\(DashboardSizes.rareKind)' ELSE (ARRAY['apply_events', 'stream_step', 'flow_step', 'deliver_sends'])[1 + g % 4] END,
                    jsonb_build_object('n', g), 0,
                    CASE WHEN state = 'scheduled' THEN \(now) + (g % 1000) * interval '1 minute' ELSE \(now) - (g % 600) * interval '1 second' END,
                    CASE WHEN state IN ('running', 'retryable') THEN 1 ELSE 0 END, 20,
                    CASE WHEN state = 'running' THEN 'bench-worker-' || (1 + g % 3) END,
                    CASE WHEN state = 'running' THEN \(now) + interval '5 minutes' END, \(now) - interval '1 hour',
                    CASE WHEN state IN ('running', 'retryable') THEN \(now) - interval '1 minute' END,
                    CASE WHEN state = 'retryable' THEN jsonb_build_array(jsonb_build_object('at', \(now), 'attempt', 1,
                        'kind', 'error', 'message', 'bench: retry later')) ELSE '[]'::jsonb END
                FROM (SELECT g, CASE WHEN g <= 3 THEN 'running' WHEN g % 10 < 6 THEN 'available' WHEN g % 10 < 9 THEN 'scheduled'
                        ELSE 'retryable' END AS state FROM generate_series(1::int8, \(live)) g) x;
                INSERT INTO workers (id, queues, concurrency, started_at, heartbeat_at)
                SELECT 'bench-worker-' || g, ARRAY['default', 'sweeps', 'mail'], 10, \(now) - interval '2 days', \(now) - g * interval '5 seconds'
                FROM generate_series(1, 3) g
                """
            ),
            (
                "identity sequences",
                ["contacts", "engagement_events", "transitions", "sends", "stream_decisions", "jobs"].map { table in
                    "SELECT setval(pg_get_serial_sequence('\(schema.qualified(table))', 'id'), (SELECT max(id) FROM \(table)))"
                }.joined(separator: ";\n")
            ),
        ]
    }
}
