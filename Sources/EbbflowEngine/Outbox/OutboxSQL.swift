// Every SQL statement of the send outbox (lease, renew, finish, list, counts), qualified with the configured schema.
import EbbflowCore

struct OutboxSQL: Sendable {
    let schema: SchemaName
    var contacts: String { schema.qualified("contacts") }
    var sends: String { schema.qualified("sends") }

    /// The error kept for an attempt whose lease expired with neither an ack nor a fail.
    static let expiredLeaseError = "lease expired: the consumer neither acked nor failed the send"

    /// The whole lease, one statement (so it is one transaction even outside the caller's, and
    /// reads `clock_now()` once). $1 limit, $2 lease seconds; the policy by segment: $3
    /// segments, $4 quiet start, $5 quiet end (`HH:MM`, null: none), $6 default zones, $7 max
    /// attempts; the same for a segment the document does not name: $8 start, $9 end, $10 zone,
    /// $11 max attempts.
    ///
    /// Picks due `pending`/`failed` sends (`at` and `not_before` passed) and expired leases,
    /// oldest first, `FOR UPDATE SKIP LOCKED` (each limited to $1, then $1 of both by id: a
    /// row locked and not taken stays locked until commit, which another leaser skips). Each is
    /// then decided, in this order: cancelled (the contact is suppressed; a stream send whose
    /// membership ended: 'left_stream'; a stream send whose stream no longer admits the
    /// contact's status, or a flow send to a contact out of the active audience: that status,
    /// 'engaged' or 'inactive'; a reactivation email to a contact no longer inactive:
    /// 'engaged'; a contact moved off email: 'moved_to_channel'), dead (its attempts are spent: an expired lease counts as one),
    /// snoozed (the contact's local time is in the quiet hours: `not_before` is their end in the
    /// contact's zone, the send `pending` again, no attempt used), else leased (attempt + 1,
    /// a fresh token per send). An expired lease leaves a `send_errors` row for its attempt.
    /// Rows: one `kind = 'lease'` row per leased send, then one `kind = 'counts'` row.
    var lease: String {
        let now = "(SELECT now FROM clock)"
        return """
            WITH clock AS MATERIALIZED (SELECT \(schema.qualified("clock_now"))() AS now),
            expired AS (
                SELECT id FROM \(sends) WHERE state = 'leased' AND lease_expires_at <= \(now)
                ORDER BY lease_expires_at, id LIMIT $1 FOR UPDATE SKIP LOCKED
            ),
            due AS (
                SELECT id FROM \(sends)
                WHERE state IN ('pending', 'failed') AND at <= \(now) AND (not_before IS NULL OR not_before <= \(now))
                ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
            ),
            picked AS MATERIALIZED (
                SELECT id FROM (SELECT id FROM expired UNION ALL SELECT id FROM due) p ORDER BY id LIMIT $1
            ),
            policy AS (
                SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::int4[])
                    AS p(segment, quiet_start, quiet_end, zone, max_attempts)
            ),
            decided AS MATERIALIZED (
                SELECT s.id, s.state AS was, s.attempts, r.reason,
                       s.attempts >= w.max_attempts AS spent, q.quiet, q.until
                FROM picked JOIN \(sends) s ON s.id = picked.id
                JOIN \(contacts) c ON c.id = s.contact_id
                LEFT JOIN \(schema.qualified("stream_memberships")) m ON m.contact_id = s.contact_id AND m.stream = s.flow
                LEFT JOIN \(schema.qualified("streams")) st ON st.name = s.flow AND s.status_at_send IS NOT NULL
                LEFT JOIN policy p ON p.segment = c.segment
                CROSS JOIN LATERAL (
                    SELECT CASE WHEN p.segment IS NULL THEN $8 ELSE p.quiet_start END::time AS quiet_start,
                           CASE WHEN p.segment IS NULL THEN $9 ELSE p.quiet_end END::time AS quiet_end,
                           CASE WHEN p.segment IS NULL THEN $10 ELSE p.zone END AS zone,
                           CASE WHEN p.segment IS NULL THEN $11::int4 ELSE p.max_attempts END AS max_attempts
                ) w
                CROSS JOIN LATERAL (
                    -- The rules the deciding jobs apply (FlowStepJob, StreamStepJob, ReactivationStepJob).
                    SELECT CASE
                        WHEN c.campaign_status = 'suppressed' THEN 'suppressed'
                        -- A stream send (it records its status at send): the membership still
                        -- holds, and the stream (its entry's statuses, else active, reactivated
                        -- and engaged) still admits the contact's status.
                        WHEN s.status_at_send IS NOT NULL AND m.contact_id IS NULL THEN 'left_stream'
                        WHEN s.status_at_send IS NOT NULL AND NOT (
                                CASE WHEN jsonb_typeof(st.definition->'entry'->'statuses') = 'array'
                                     THEN st.definition->'entry'->'statuses'
                                     ELSE '["active", "reactivated", "engaged"]'::jsonb END
                                ? c.campaign_status::text)
                            THEN c.campaign_status::text
                        -- A reactivation email is for an inactive contact: any other status engaged.
                        WHEN s.status_at_send IS NULL AND s.flow = 'reactivation' AND c.campaign_status <> 'inactive'
                            THEN 'engaged'
                        -- A flow send is for the active audience (active, reactivated).
                        WHEN s.status_at_send IS NULL AND s.flow <> 'reactivation'
                             AND c.campaign_status NOT IN ('active', 'reactivated')
                            THEN c.campaign_status::text
                        WHEN c.channel <> 'email' THEN 'moved_to_channel'
                    END AS reason
                ) r
                CROSS JOIN LATERAL (
                    -- The zone only when quiet hours apply: the contact's when PostgreSQL knows
                    -- it, else the segment's default when it does, else UTC.
                    SELECT CASE WHEN w.quiet_start IS NULL THEN 'UTC' ELSE coalesce(
                        (SELECT z.name FROM \(schema.qualified("time_zone_names")) z WHERE z.name = c.attributes->>'timezone'),
                        (SELECT z.name FROM \(schema.qualified("time_zone_names")) z WHERE z.name = w.zone),
                        'UTC') END AS zone
                ) z
                CROSS JOIN LATERAL (SELECT \(now) AT TIME ZONE z.zone AS local) l
                CROSS JOIN LATERAL (
                    SELECT CASE
                        WHEN w.quiet_start IS NULL THEN false
                        WHEN w.quiet_start < w.quiet_end THEN l.local::time >= w.quiet_start AND l.local::time < w.quiet_end
                        ELSE l.local::time >= w.quiet_start OR l.local::time < w.quiet_end
                    END AS quiet,
                    -- The end of these quiet hours, local, then back to an instant in that zone
                    -- (DST included: PostgreSQL applies the offset in force at that local time).
                    ((l.local::date + CASE WHEN w.quiet_start > w.quiet_end AND l.local::time >= w.quiet_start
                                           THEN 1 ELSE 0 END) + w.quiet_end) AT TIME ZONE z.zone AS until
                ) q
            ),
            expired_errors AS (
                INSERT INTO \(schema.qualified("send_errors")) (send_id, attempt, at, error, permanent)
                SELECT id, attempts, \(now), '\(Self.expiredLeaseError)', false FROM decided
                WHERE was = 'leased' AND attempts > 0
                ON CONFLICT (send_id, attempt) DO NOTHING
            ),
            cancelled AS (
                UPDATE \(sends) s SET state = 'cancelled', cancel_reason = d.reason, finished_at = \(now),
                    lease_token = NULL, lease_expires_at = NULL
                FROM decided d WHERE s.id = d.id AND d.reason IS NOT NULL
                RETURNING s.id
            ),
            dead AS (
                UPDATE \(sends) s SET state = 'dead', finished_at = \(now), lease_token = NULL, lease_expires_at = NULL,
                    last_error = CASE WHEN d.was = 'leased' THEN '\(Self.expiredLeaseError)' ELSE s.last_error END
                FROM decided d WHERE s.id = d.id AND d.reason IS NULL AND d.spent
                RETURNING s.id
            ),
            snoozed AS (
                UPDATE \(sends) s SET state = CASE WHEN d.was = 'leased' THEN 'pending' ELSE s.state END,
                    not_before = d.until, lease_token = NULL, lease_expires_at = NULL
                FROM decided d WHERE s.id = d.id AND d.reason IS NULL AND NOT d.spent AND d.quiet
                RETURNING s.id
            ),
            leased AS (
                UPDATE \(sends) s SET state = 'leased', attempts = s.attempts + 1, leased_at = \(now),
                    lease_expires_at = \(now) + make_interval(secs => $2::float8), lease_token = gen_random_uuid(),
                    not_before = NULL
                FROM decided d WHERE s.id = d.id AND d.reason IS NULL AND NOT d.spent AND NOT d.quiet
                RETURNING s.*
            )
            SELECT 'lease' AS kind, l.id, l.contact_id, c.external_id, c.email, l.flow, l.step, l.template,
                   l.template_version, l.channel, l.format, l.variables, l.experiment, l.variant, l.attempts,
                   l.at, l.lease_token, l.lease_expires_at, NULL::int8 AS cancelled, NULL::int8 AS snoozed,
                   NULL::int8 AS dead
            FROM leased l JOIN \(contacts) c ON c.id = l.contact_id
            UNION ALL
            SELECT 'counts', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                   NULL, NULL, NULL, (SELECT count(*) FROM cancelled), (SELECT count(*) FROM snoozed),
                   (SELECT count(*) FROM dead)
            """
    }

    /// Extends the leases still held: $1 ids, $2 their tokens, $3 seconds from now. Returns the ids held.
    /// A held send whose contact was suppressed since its lease is cancelled instead (a
    /// delivery job may wait behind a rate limit after the lease: the suppression must still win).
    var renew: String {
        let now = "(SELECT now FROM clock)"
        return """
            WITH clock AS MATERIALIZED (SELECT \(schema.qualified("clock_now"))() AS now),
            held AS (
                SELECT s.id, c.campaign_status = 'suppressed' AS suppressed
                FROM \(sends) s JOIN unnest($1::int8[], $2::uuid[]) AS h(id, token) ON s.id = h.id
                JOIN \(contacts) c ON c.id = s.contact_id
                WHERE s.state = 'leased' AND s.lease_token = h.token
                FOR UPDATE OF s
            ),
            cancelled AS (
                UPDATE \(sends) s SET state = 'cancelled', cancel_reason = 'suppressed', finished_at = \(now),
                    lease_token = NULL, lease_expires_at = NULL
                FROM held WHERE s.id = held.id AND held.suppressed
                RETURNING s.id
            )
            UPDATE \(sends) s SET lease_expires_at = \(now) + make_interval(secs => $3::float8)
            FROM held WHERE s.id = held.id AND NOT held.suppressed
            RETURNING s.id
            """
    }

    /// Sends $1 locked for a finish, with what deciding it needs, and the clock.
    var lockForFinish: String {
        """
        WITH clock AS MATERIALIZED (SELECT \(schema.qualified("clock_now"))() AS now)
        SELECT s.id, s.state, s.lease_token, s.message_id, s.attempts, c.segment, (SELECT now FROM clock) AS now
        FROM \(sends) s JOIN \(contacts) c ON c.id = s.contact_id
        WHERE s.id = ANY($1) ORDER BY s.id FOR UPDATE OF s
        """
    }

    /// Sent: $1 ids, $2 message ids, $3 now.
    var markSent: String {
        """
        UPDATE \(sends) s SET state = 'sent', message_id = u.message_id, sent_at = $3, finished_at = $3,
            lease_token = NULL, lease_expires_at = NULL, not_before = NULL
        FROM unnest($1::int8[], $2::text[]) AS u(id, message_id) WHERE s.id = u.id
        """
    }

    /// Failed attempts: $1 ids, $2 attempts, $3 errors, $4 permanent, $5 dead, $6 retry at
    /// (null when dead), $7 now. Each error is kept in `send_errors`.
    var markFailed: String {
        """
        WITH u AS (
            SELECT * FROM unnest($1::int8[], $2::int4[], $3::text[], $4::bool[], $5::bool[], $6::timestamptz[])
                AS u(id, attempt, error, permanent, dead, retry_at)
        ),
        kept AS (
            INSERT INTO \(schema.qualified("send_errors")) (send_id, attempt, at, error, permanent)
            SELECT id, attempt, $7, error, permanent FROM u
            ON CONFLICT (send_id, attempt) DO UPDATE SET at = excluded.at, error = excluded.error,
                permanent = excluded.permanent
        )
        UPDATE \(sends) s SET state = CASE WHEN u.dead THEN 'dead' ELSE 'failed' END, attempts = u.attempt,
            last_error = u.error, not_before = u.retry_at, finished_at = CASE WHEN u.dead THEN $7 END,
            lease_token = NULL, lease_expires_at = NULL
        FROM u WHERE s.id = u.id
        """
    }

    /// A page of sends, newest id last: $1 state (null: any), $2 after this id, $3 limit.
    var list: String {
        """
        SELECT s.id, c.external_id, c.email, s.flow, s.step, s.template, s.template_version, s.channel, s.format,
               s.at, s.state, s.attempts, s.not_before, s.lease_expires_at, s.sent_at, s.message_id, s.finished_at,
               s.cancel_reason, s.last_error, s.experiment, s.variant
        FROM \(sends) s JOIN \(contacts) c ON c.id = s.contact_id
        WHERE ($1::text IS NULL OR s.state = $1) AND s.id > $2
        ORDER BY s.id LIMIT $3
        """
    }

    /// The open outbox by state (pending, leased, failed: partial indexes), leases that expired
    /// and wait for the next lease to take them back (`expired`), and dead sends; and the age
    /// in seconds of the oldest send due for a lease (a due `pending`/`failed` one, or an
    /// expired lease, since it expired), 0 when none.
    var counts: String {
        let now = "(SELECT now FROM clock)"
        return """
            WITH clock AS MATERIALIZED (SELECT \(schema.qualified("clock_now"))() AS now)
            SELECT (SELECT count(*) FROM \(sends) WHERE state = 'pending') AS pending,
                   (SELECT count(*) FROM \(sends) WHERE state = 'failed') AS failed,
                   (SELECT count(*) FROM \(sends) WHERE state = 'leased' AND lease_expires_at > \(now)) AS leased,
                   (SELECT count(*) FROM \(sends) WHERE state = 'leased' AND lease_expires_at <= \(now)) AS expired,
                   (SELECT count(*) FROM \(sends) WHERE state = 'dead') AS dead,
                   coalesce(extract(epoch FROM \(now) - least(
                       (SELECT min(greatest(at, coalesce(not_before, at))) FROM \(sends)
                        WHERE state IN ('pending', 'failed') AND at <= \(now)
                          AND (not_before IS NULL OR not_before <= \(now))),
                       (SELECT min(lease_expires_at) FROM \(sends) WHERE state = 'leased' AND lease_expires_at <= \(now))
                   ))::float8, 0) AS oldest_due_seconds
            """
    }
}
