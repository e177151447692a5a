// Every SQL statement of send flows, in one place, qualified with the schema.
import EbbflowCore

struct FlowSQL: Sendable {
    let schema: SchemaName
    var contacts: String { schema.qualified("contacts") }
    var sends: String { schema.qualified("sends") }

    /// $1 name, $2 segment, $3 template, $4 every seconds, $5 max sends, $6 now.
    var insertFlow: String {
        """
        INSERT INTO \(schema.qualified("flows")) (name, segment, template, every_seconds, max_sends, created_at)
        VALUES ($1, $2, $3, $4, $5, $6)
        """
    }

    /// The step-1 jobs enrolling segment $2's active and reactivated contacts in flow $1, due
    /// at $3: rows for `JobStore.enqueue(FlowStepJob.self, rowsOf:…)`, which inserts them.
    var enroll: String {
        """
        SELECT jsonb_build_object('flow', $1::text, 'contact_id', id, 'step', 1) AS args, $3::timestamptz AS run_at,
               \(ContactJobs.subject(sql: "id")) AS subject
        FROM \(contacts) WHERE segment = $2 AND campaign_status IN ('active', 'reactivated')
        """
    }

    var stopFlow: String { "UPDATE \(schema.qualified("flows")) SET state = 'stopped' WHERE name = $1" }

    /// Flow $1's row locked against steps and end-of-flow waits (they hold it `FOR SHARE`):
    /// `flows remove` takes it first, so a step that read the flow finishes before the removal
    /// goes on, and the removal's next statement (a fresh snapshot) sees the jobs it enqueued.
    var lockFlow: String { "SELECT 1 FROM \(schema.qualified("flows")) WHERE name = $1 FOR UPDATE" }

    /// Deletes flow $1; returns how many (0 or 1). Its pending steps and end-of-flow waits are
    /// then cancelled through the queue (`SendFlows.remove`). Its sends and skips stay: they
    /// are the contacts' history.
    var removeFlow: String {
        "WITH flow AS (DELETE FROM \(schema.qualified("flows")) WHERE name = $1 RETURNING name) SELECT count(*) AS removed FROM flow"
    }

    /// The flows alone, by name: the dashboard reads their send counts from the rollup
    /// (`flow_send_counts`), because counting `sends` per flow reads every send.
    var listFlowDefinitions: String {
        "SELECT name, segment, template, state FROM \(schema.qualified("flows")) ORDER BY name"
    }

    var listFlows: String {
        """
        SELECT f.name, f.segment, f.template, f.state, (SELECT count(*) FROM \(sends) s WHERE s.flow = f.name) AS sends
        FROM \(schema.qualified("flows")) f ORDER BY f.name
        """
    }

    /// The flows $1 with what a step needs, locked `FOR SHARE` until the step commits: read
    /// after its contacts are locked, so a flow removed while the step waited for them is seen
    /// gone, and one read here cannot be removed (nor stopped) until the step's writes commit.
    var flowsNamed: String {
        "SELECT name, template, every_seconds, max_sends, state FROM \(schema.qualified("flows")) WHERE name = ANY($1) ORDER BY name FOR SHARE"
    }

    /// Whether flow $1 still exists, for its end-of-flow wait (read under the contact's lock
    /// and held `FOR SHARE`, like `flowsNamed`).
    var flowExists: String { "SELECT 1 FROM \(schema.qualified("flows")) WHERE name = $1 FOR SHARE" }

    /// Skipped steps: $1 flows, $2 contacts, $3 steps, $4 reasons, $5 at.
    var insertSkips: String {
        """
        INSERT INTO \(schema.qualified("flow_skips")) (flow, contact_id, step, reason, at)
        SELECT * , $5 FROM unnest($1::text[], $2::int8[], $3::int4[], $4::text[])
        """
    }

    /// Reactivated contacts $1 enter a flow: back to `active`, one `flow_entry` transition each
    /// naming the job $2 that caused it, at $3.
    var reenterActive: String {
        let change = StatusChange.flowEntry
        return """
            WITH moved AS (
                UPDATE \(contacts) c SET campaign_status = \(change.toSQL), status_changed_at = $3
                FROM unnest($1::int8[], $2::int8[]) AS u(id, job_id)
                WHERE c.id = u.id AND c.campaign_status = \(change.onlyFromSQL)
                RETURNING c.id, u.job_id
            )
            INSERT INTO \(schema.qualified("transitions")) (contact_id, from_status, to_status, reason, job_id, at)
            SELECT id, \(change.onlyFromSQL), \(change.toSQL), \(change.reasonSQL), job_id, $3 FROM moved
            """
    }

    /// Decided sends: $1 contacts, $2 flows, $3 steps, $4 templates, $5 at (channel email), each
    /// with its template's current version (null for a template ebbflow does not hold).
    var insertSends: String {
        """
        INSERT INTO \(sends) (contact_id, flow, step, template, channel, at, template_version)
        SELECT u.contact_id, u.flow, u.step, u.template, 'email', $5, t.version
        FROM unnest($1::int8[], $2::text[], $3::int4[], $4::text[]) AS u(contact_id, flow, step, template)
        LEFT JOIN \(schema.qualified("templates")) t ON t.name = u.template
        """
    }

    /// Flow sends so far without an answer: $1 contacts, $2 how many more each.
    var countUnanswered: String {
        """
        UPDATE \(contacts) c SET flow_sends_unanswered = c.flow_sends_unanswered + u.n
        FROM unnest($1::int8[], $2::int4[]) AS u(id, n) WHERE c.id = u.id
        """
    }

    /// One contact locked, for the end-of-flow wait: $1 id.
    var lockContact: String {
        "SELECT campaign_status::text AS status, flow_sends_unanswered, segment FROM \(contacts) WHERE id = $1 FOR UPDATE"
    }

    /// The wait after the last flow send ended unanswered: $1 contact, $2 now, $3 job.
    var flowEndsInactive: String {
        let change = StatusChange.flowEndsUnanswered
        return """
            WITH moved AS (
                UPDATE \(contacts) SET campaign_status = \(change.toSQL), status_changed_at = $2, flow_sends_unanswered = 0 WHERE id = $1
                RETURNING id
            )
            INSERT INTO \(schema.qualified("transitions")) (contact_id, from_status, to_status, reason, job_id, at)
            SELECT id, \(change.onlyFromSQL), \(change.toSQL), \(change.reasonSQL), $3, $2 FROM moved
            """
    }
}
