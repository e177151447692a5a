// Every SQL statement of the engagement engine, in one place, qualified with the configured schema.
import EbbflowCore

struct EngineSQL: Sendable {
    let schema: SchemaName
    var contacts: String { schema.qualified("contacts") }
    var events: String { schema.qualified("engagement_events") }
    var transitions: String { schema.qualified("transitions") }
    var now: String { "SELECT \(schema.qualified("clock_now"))() AS now" }

    /// $1 external id, $2 email, $3 segment, $4 now.
    var upsertContact: String {
        """
        INSERT INTO \(contacts) (external_id, email, segment, status_changed_at, created_at) VALUES ($1, $2, $3, $4, $4)
        ON CONFLICT (external_id) DO UPDATE SET email = excluded.email, segment = excluded.segment
        RETURNING id, (xmax = 0) AS inserted
        """
    }

    /// One event, kept even for an unknown contact; a repeated (source, provider id) is a
    /// duplicate and inserts nothing. $1 external id, $2 kind, $3 occurred_at, $4 source,
    /// $5 provider id, $6 machine open, $7 url, $8 properties, $9 now.
    var insertEvent: String {
        """
        INSERT INTO \(events) (contact_id, external_id, kind, occurred_at, received_at, source, provider_event_id, machine_open, url, properties)
        SELECT (SELECT id FROM \(contacts) WHERE external_id = $1), $1, $2, coalesce($3, $9), $9, $4, $5, $6, $7, $8::jsonb
        ON CONFLICT (source, provider_event_id) DO NOTHING
        RETURNING id, contact_id
        """
    }

    /// The event and its contact, both locked, if the event is not applied yet.
    var lockEventAndContact: String {
        """
        SELECT e.id AS event_id, e.kind, e.occurred_at, e.machine_open, c.id AS contact_id, c.segment,
               c.campaign_status::text AS status, c.engagement_score, c.last_engagement_at, c.reactivation_cycle
        FROM \(events) e JOIN \(contacts) c ON c.id = e.contact_id
        WHERE e.id = $1 AND e.applied_at IS NULL
        FOR UPDATE OF e, c
        """
    }

    /// $1 contact, $2 score, $3 last engagement, $4 status, $5 status changed (bool), $6 now,
    /// $7 whether the event earned points (only then are flow sends answered).
    var updateContact: String {
        """
        UPDATE \(contacts) SET engagement_score = $2, last_engagement_at = $3,
            campaign_status = $4::text::\(schema.qualified("campaign_status")),
            status_changed_at = CASE WHEN $5 THEN $6 ELSE status_changed_at END,
            flow_sends_unanswered = CASE WHEN $7 THEN 0 ELSE flow_sends_unanswered END
        WHERE id = $1
        """
    }

    /// An engaged contact leaves the send flow at once: its pending flow jobs are cancelled
    /// (moved to finished_jobs as cancelled) in the event's own transaction. $1 contact, $2 now.
    var cancelFlowJobs: String {
        """
        WITH done AS (
            DELETE FROM \(schema.qualified("jobs"))
            WHERE args ? 'contact_id' AND ((args->>'contact_id')::bigint) = $1 AND kind IN ('flow_step', 'flow_wait_end')
              AND state IN ('scheduled', 'available', 'retryable')
            RETURNING *
        )
        INSERT INTO \(schema.qualified("finished_jobs")) (id, state, queue, kind, args, priority, run_at, attempt, max_attempts, errors,
                                                          unique_key, created_at, attempted_at, finished_at, finished_by)
        SELECT id, 'cancelled', queue, kind, args, priority, run_at, attempt, max_attempts,
               errors || jsonb_build_array(jsonb_build_object('at', $2::timestamptz, 'attempt', attempt, 'kind', 'discarded',
                                                              'message', 'contact engaged: it left the send flow')),
               unique_key, created_at, attempted_at, $2, NULL
        FROM done
        """
    }

    /// $1 contact, $2 from, $3 to, $4 reason, $5 event, $6 job, $7 at.
    var insertTransition: String {
        """
        INSERT INTO \(transitions) (contact_id, from_status, to_status, reason, event_id, job_id, at)
        VALUES ($1, $2::text::\(schema.qualified("campaign_status")), $3::text::\(schema.qualified("campaign_status")), $4, $5, $6, $7)
        """
    }

    /// $1 event, $2 points (NULL: the kind earns nothing under the policy), $3 now.
    var markApplied: String { "UPDATE \(events) SET applied_at = $3, points = $2 WHERE id = $1" }
}
