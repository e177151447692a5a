// Every SQL statement the simulator runs itself, in one place (the engine's own SQL stays in the engine).
import EbbflowCore

struct SimulationSQL: Sendable {
    let schema: SchemaName
    var contacts: String { schema.qualified("contacts") }

    /// The mark `simulate` writes on a schema it creates (COMMENT ON SCHEMA), in the same
    /// transaction as the CREATE. Why a mark set at creation: only a schema ebbflow made as a
    /// simulation may ever be dropped; a marker table inside it proves nothing (an empty
    /// schema, or `public`, has none, and `migrate --simulation` writes one into any schema).
    static let mark = "ebbflow simulation schema: created and dropped by ebbflow simulate"

    /// Whether the schema exists, and whether it carries the mark. $1 the schema name.
    var schemaState: String {
        """
        SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present, \
        coalesce((SELECT obj_description(oid, 'pg_namespace') FROM pg_namespace WHERE nspname = $1) = $2, false) AS marked
        """
    }

    /// Names the schema and the mark for `dropMarked` ($1 the schema, $2 the mark), for the
    /// rest of the transaction: a DO block takes no parameters.
    var dropTarget: String {
        "SELECT set_config('ebbflow.simulation_schema', $1, true), set_config('ebbflow.simulation_mark', $2, true)"
    }

    /// Drops the schema named by `dropTarget` only if it carries the mark, in one statement
    /// that checks and drops: it takes the oid of the schema of that name that carries the
    /// mark (else refuses), drops by name, then refuses, undoing the drop, unless that very
    /// oid is gone. Why: a plain `DROP SCHEMA … CASCADE` after an unlocked check dropped
    /// whichever schema had the name by then; a rename between the check and the drop (the
    /// marked schema renamed away, another renamed into its name) would drop the other one.
    /// A rename takes no lock PostgreSQL would make the drop wait for, hence the oid check.
    var dropMarked: String {
        """
        DO $drop$
        DECLARE
            target text := current_setting('ebbflow.simulation_schema');
            checked oid;
        BEGIN
            SELECT oid INTO checked FROM pg_namespace
            WHERE nspname = target AND obj_description(oid, 'pg_namespace') = current_setting('ebbflow.simulation_mark');
            IF checked IS NULL THEN
                RAISE EXCEPTION 'schema "%" is not marked as an ebbflow simulation (renamed or re-commented meanwhile?); refusing to drop it', target
                    USING ERRCODE = 'object_in_use';
            END IF;
            EXECUTE format('DROP SCHEMA %I CASCADE', target);
            IF EXISTS (SELECT 1 FROM pg_namespace WHERE oid = checked) THEN
                RAISE EXCEPTION 'schema "%" was renamed while it was being dropped; nothing was dropped', target
                    USING ERRCODE = 'object_in_use';
            END IF;
        END
        $drop$
        """
    }

    /// Creates the schema with the mark, in the transaction that checked or dropped it. Fails
    /// if it exists by now.
    var createMarked: [String] {
        [
            "CREATE SCHEMA \(schema.quoted)",
            "COMMENT ON SCHEMA \(schema.quoted) IS '\(Self.mark)'",
        ]
    }

    var copyContacts: String {
        "COPY \(contacts) (external_id, email, segment, attributes, status_changed_at, created_at) FROM STDIN"
    }

    /// Whether anything is still to do at the frozen clock $1: a running job, a due one, or a
    /// due schedule. Polled every few milliseconds while the workers drain, so each part is an
    /// EXISTS on a partial index: a count over the whole jobs table (tens of MB after a few
    /// simulated months of updates) took 75 ms a poll.
    var outstanding: String {
        let jobs = schema.qualified("jobs")
        return """
            SELECT EXISTS (SELECT 1 FROM \(jobs) WHERE state = 'running')
                OR EXISTS (SELECT 1 FROM \(jobs) WHERE state IN ('scheduled', 'available', 'retryable') AND run_at <= $1)
                OR EXISTS (SELECT 1 FROM \(schema.qualified("schedules")) WHERE enabled AND next_run_at <= $1) AS busy
            """
    }

    /// The next stop of the simulated day: the earliest tick after $1 and before $2 of a
    /// schedule that is not an `@every` one; no row when there is none.
    var nextStop: String {
        """
        SELECT min(next_run_at) AS at FROM \(schema.qualified("schedules"))
        WHERE enabled AND cron NOT LIKE '@every%' AND next_run_at > $1 AND next_run_at < $2 HAVING min(next_run_at) IS NOT NULL
        """
    }

    /// Sends decided since send id $1.
    var newSends: String {
        "SELECT id, contact_id, flow, step, template, at FROM \(schema.qualified("sends")) WHERE id > $1 ORDER BY id"
    }

    /// The audience by status, with inactive contacts split by channel.
    var audience: String {
        """
        SELECT campaign_status::text AS status, channel <> 'email' AS moved, count(*) AS n FROM \(contacts) GROUP BY 1, 2
        """
    }

    /// Jobs made so far (the id sequence): with the outstanding count, the progress line's "jobs done".
    var jobsMade: String {
        "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence($1, 'id')), 0)::int8 AS n"
    }

    /// For the summary: contacts ever made inactive, of them ever reactivated, the median days
    /// from a contact's first send to its first `engaged` transition, the sends (all, and those
    /// of streams), and the engagement reached: human opens, clicks that are not bots', contacts
    /// with either, and where the audience is at the end. Runs once, after the last day.
    var summary: String {
        let sends = schema.qualified("sends"), transitions = schema.qualified("transitions")
        let events = schema.qualified("engagement_events")
        return """
            WITH first_send AS (SELECT contact_id, min(at) AS at FROM \(sends) GROUP BY contact_id),
                 first_engaged AS (SELECT contact_id, min(at) AS at FROM \(transitions) WHERE to_status = 'engaged' GROUP BY contact_id),
                 human AS (SELECT contact_id, kind FROM \(events)
                           WHERE rejection IS NULL AND ((kind = 'open' AND NOT machine_open) OR (kind = 'click' AND NOT bot)))
            SELECT (SELECT count(DISTINCT contact_id) FROM \(transitions) WHERE to_status = 'inactive') AS went_inactive,
                   (SELECT count(DISTINCT contact_id) FROM \(transitions) WHERE to_status = 'reactivated') AS reactivated,
                   (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - s.at) / 86400)
                    FROM first_engaged e JOIN first_send s USING (contact_id) WHERE e.at >= s.at) AS median_days_to_engage,
                   (SELECT count(*) FROM \(sends)) AS sends,
                   (SELECT count(*) FROM \(sends) WHERE flow IN (SELECT name FROM \(schema.qualified("streams")))) AS stream_sends,
                   (SELECT count(*) FROM human WHERE kind = 'open') AS human_opens,
                   (SELECT count(*) FROM human WHERE kind = 'click') AS clicks,
                   (SELECT count(DISTINCT contact_id) FROM human) AS engaged_contacts,
                   (SELECT count(*) FROM \(contacts) WHERE campaign_status <> 'suppressed' AND channel = 'email') AS reachable,
                   (SELECT count(*) FROM \(contacts) WHERE campaign_status <> 'suppressed' AND channel <> 'email') AS moved_to_ads,
                   (SELECT count(*) FROM \(contacts) WHERE campaign_status = 'suppressed') AS suppressed
            """
    }

    /// The stored streams' names, in the order the chart and the CSV use.
    var streamNames: String { "SELECT name FROM \(schema.qualified("streams")) ORDER BY name" }

    /// Members per stream now (contacts in no stream have no row).
    var streamMembers: String {
        "SELECT stream, count(*)::int8 AS n FROM \(schema.qualified("stream_memberships")) GROUP BY stream"
    }

    /// What each stream did over the run, from the decision log and the sends. An exit is a
    /// decision triggered by one of the stream's exit events; a move out is any other decision
    /// that took a member elsewhere.
    var streamTotals: String {
        let decisions = schema.qualified("stream_decisions"), sends = schema.qualified("sends")
        return """
            SELECT s.name AS stream,
                   (SELECT count(*) FROM \(decisions) d WHERE d.chosen = s.name AND d.previous IS DISTINCT FROM s.name) AS entered,
                   (SELECT count(*) FROM \(decisions) d WHERE d.previous = s.name AND d.trigger LIKE 'exit:%') AS exited,
                   (SELECT count(*) FROM \(decisions) d WHERE d.previous = s.name AND d.chosen IS NOT NULL AND d.chosen <> s.name
                                                      AND d.trigger NOT LIKE 'exit:%') AS moved_out,
                   (SELECT count(*) FROM \(sends) x WHERE x.flow = s.name) AS sends,
                   (SELECT count(*) FROM \(sends) x WHERE x.flow = s.name AND x.goal_credited_at IS NOT NULL) AS goals
            FROM \(schema.qualified("streams")) s ORDER BY s.name
            """
    }
}
