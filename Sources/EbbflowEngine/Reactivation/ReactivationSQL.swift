// Every SQL statement of the reactivation cycle's steps, qualified with the configured schema.
import EbbflowCore

struct ReactivationSQL: Sendable {
    let schema: SchemaName
    var contacts: String { schema.qualified("contacts") }
    var sends: String { schema.qualified("sends") }

    /// A reactivation email: $1 contact, $2 step, $3 template, $4 at, $5 format, with the
    /// template's current version (null when ebbflow does not hold it). Its variables are
    /// the contact's last known activity: the kind, URL and time of its latest engagement event,
    /// or nulls when it never engaged. Machine opens, scanners' clicks (`bot`) and consent
    /// events (a `delivered` arrives for every send, reactivation emails included) are not
    /// activity: "you were looking at …" must name something the person did.
    var insertReactivationSend: String {
        let consent = ConsentKind.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return """
            INSERT INTO \(sends) (contact_id, flow, step, template, channel, at, format, variables, template_version)
            SELECT $1, 'reactivation', $2, $3, 'email', $4, $5,
                   jsonb_build_object('last_engagement_kind', e.kind, 'last_engagement_url', e.url, 'last_engagement_at', e.occurred_at),
                   (SELECT version FROM \(schema.qualified("templates")) WHERE name = $3)
            FROM (SELECT 1) AS one
            LEFT JOIN LATERAL (
                SELECT kind, url, occurred_at FROM \(schema.qualified("engagement_events"))
                WHERE contact_id = $1 AND NOT machine_open AND NOT bot AND kind NOT IN (\(consent))
                  AND applied_at IS NOT NULL AND rejection IS NULL
                ORDER BY occurred_at DESC, id DESC LIMIT 1
            ) e ON true
            """
    }

    var startCycle: String { "UPDATE \(contacts) SET reactivation_cycle = reactivation_cycle + 1 WHERE id = $1" }

    /// The cycle gave up: suppressed ($1 contact, $2 now, $3 reason, $4 job), the reason kept
    /// on the contact (`suppression_reason`, read by the rules of consent and /metrics).
    var suppress: String {
        let change = StatusChange.reactivationExhausted
        return """
            WITH moved AS (
                UPDATE \(contacts) SET campaign_status = \(change.toSQL), status_changed_at = $2, suppression_reason = $3
                WHERE id = $1 RETURNING id
            )
            INSERT INTO \(schema.qualified("transitions")) (contact_id, from_status, to_status, reason, job_id, at)
            SELECT id, \(change.onlyFromSQL), \(change.toSQL), $3, $4, $2 FROM moved
            """
    }

    /// The cycle gave up: moved to the alternative channel ($1 contact, $2 channel), with an
    /// audit row ($3 reason, $4 job, $5 now): the status stays `inactive`.
    var moveToChannel: String {
        let change = StatusChange.movedToChannel
        return """
            WITH moved AS (
                UPDATE \(contacts) SET channel = $2 WHERE id = $1 RETURNING id
            )
            INSERT INTO \(schema.qualified("transitions")) (contact_id, from_status, to_status, reason, job_id, at)
            SELECT id, \(change.onlyFromSQL), \(change.toSQL), $3, $4, $5 FROM moved
            """
    }
}
