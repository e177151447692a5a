// Every SQL statement the simulator runs itself, in one place (the engine's own SQL stays in the engine).
import EbbflowCore

struct SimulationSQL: Sendable {
    let schema: SchemaName
    var contacts: String { schema.qualified("contacts") }

    var schemaHasInfo: String {
        "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'database_info') AS present"
    }

    var dropSchema: String { "DROP SCHEMA IF EXISTS \(schema.quoted) CASCADE" }

    var copyContacts: String {
        "COPY \(contacts) (external_id, email, segment, attributes, status_changed_at, created_at) FROM STDIN"
    }

    /// What is still to do at the frozen clock: due or running jobs, and due schedules.
    var outstanding: String {
        """
        SELECT (SELECT count(*) FROM \(schema.qualified("jobs")) WHERE state = 'running' OR run_at <= \(schema.qualified("clock_now"))())
             + (SELECT count(*) FROM \(schema.qualified("schedules")) WHERE enabled AND next_run_at <= \(schema.qualified("clock_now"))()) AS n
        """
    }

    /// Sends decided since send id $1.
    var newSends: String {
        "SELECT id, contact_id, flow, step, at FROM \(schema.qualified("sends")) WHERE id > $1 ORDER BY id"
    }

    /// The audience by status, with inactive contacts split by channel.
    var audience: String {
        """
        SELECT campaign_status::text AS status, channel <> 'email' AS moved, count(*) AS n FROM \(contacts) GROUP BY 1, 2
        """
    }

    var simulationFlag: String { "SELECT simulation FROM \(schema.qualified("database_info")) LIMIT 1" }

    /// Jobs made so far (the id sequence): with the outstanding count, the progress line's "jobs done".
    var jobsMade: String {
        "SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence($1, 'id')), 0)::int8 AS n"
    }

    /// For the summary: contacts ever made inactive, of them ever reactivated, and the median
    /// days from a contact's first send to its first `engaged` transition.
    var summary: String {
        """
        WITH first_send AS (SELECT contact_id, min(at) AS at FROM \(schema.qualified("sends")) GROUP BY contact_id),
             first_engaged AS (SELECT contact_id, min(at) AS at FROM \(schema.qualified("transitions")) WHERE to_status = 'engaged' GROUP BY contact_id)
        SELECT (SELECT count(DISTINCT contact_id) FROM \(schema.qualified("transitions")) WHERE to_status = 'inactive') AS went_inactive,
               (SELECT count(DISTINCT contact_id) FROM \(schema.qualified("transitions")) WHERE to_status = 'reactivated') AS reactivated,
               (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.at - s.at) / 86400)
                FROM first_engaged e JOIN first_send s USING (contact_id) WHERE e.at >= s.at) AS median_days_to_engage,
               (SELECT count(*) FROM \(schema.qualified("sends"))) AS sends
        """
    }
}
