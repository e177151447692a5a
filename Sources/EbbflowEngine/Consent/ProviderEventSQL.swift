// The SQL of matching provider events to contacts and keeping the unmatched ones, qualified with the configured schema.
import EbbflowCore

struct ProviderEventSQL: Sendable {
    let schema: SchemaName

    /// For each event (in order: $1 send ids, $2 addresses), the contact it belongs to: the
    /// send's contact when the send exists, else the contact with that address compared without
    /// case (the oldest one when several share it: deterministic, and a send id avoids the
    /// question), else none. `send_found` says whether the send id named a send. Uses
    /// `contacts_email_lower` (engine 0026).
    var match: String {
        """
        SELECT u.ord, s.id IS NOT NULL AS send_found,
               coalesce(sc.id, ec.id) AS contact_id, coalesce(sc.external_id, ec.external_id) AS external_id
        FROM unnest($1::int8[], $2::text[]) WITH ORDINALITY AS u(send_id, email, ord)
        LEFT JOIN \(schema.qualified("sends")) s ON s.id = u.send_id
        LEFT JOIN \(schema.qualified("contacts")) sc ON sc.id = s.contact_id
        LEFT JOIN LATERAL (
            SELECT c.id, c.external_id FROM \(schema.qualified("contacts")) c
            WHERE s.id IS NULL AND u.email IS NOT NULL AND lower(c.email) = lower(u.email)
            ORDER BY c.id LIMIT 1
        ) ec ON true
        ORDER BY u.ord
        """
    }

    /// Keeps unmatched events; a (provider, id) kept before inserts nothing. Returns the
    /// 1-based positions stored. $1 providers, $2 ids, $3 kinds, $4 occurred (NULL: now),
    /// $5 send ids, $6 addresses, $7 machine opens, $8 bots, $9 urls, $10 properties,
    /// $11 reasons, $12 now.
    var insertUnmatched: String {
        """
        INSERT INTO \(schema.qualified("unmatched_provider_events"))
            (provider, provider_event_id, kind, occurred_at, received_at, send_id, email, machine_open, bot, url, properties, reason)
        SELECT u.provider, u.provider_event_id, u.kind, coalesce(u.occurred_at, $12), $12, u.send_id, u.email, u.machine_open,
               u.bot, u.url, u.properties::jsonb, u.reason
        FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int8[], $6::text[], $7::bool[], $8::bool[],
                    $9::text[], $10::text[], $11::text[])
             WITH ORDINALITY AS u(provider, provider_event_id, kind, occurred_at, send_id, email, machine_open, bot, url, properties,
                                  reason, ord)
        ORDER BY u.ord
        ON CONFLICT (provider, provider_event_id) DO NOTHING
        RETURNING provider, provider_event_id
        """
    }
}
