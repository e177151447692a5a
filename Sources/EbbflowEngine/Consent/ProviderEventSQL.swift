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
    ///
    /// An address that is a forgotten person's (`contacts forget`, sql/engine/0024) is not kept:
    /// the event is, without its address, URL or properties, and its reason says why. Why here:
    /// no other table would hold the address again, and the check is the digests' own SQL.
    var insertUnmatched: String {
        let digests = schema.qualified("forgotten_digests")
        let secret = schema.qualified("privacy_secret")
        return """
            WITH input AS (
                SELECT u.*, u.email IS NOT NULL AND EXISTS (SELECT 1 FROM \(digests))
                       AND EXISTS (SELECT 1 FROM \(digests) d, \(secret) ps
                                   WHERE d.digest = \(ForgottenPeople.digest(ForgottenPeople.normalisedEmail("u.email")))) AS forgotten
                FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::int8[], $6::text[], $7::bool[], $8::bool[],
                            $9::text[], $10::text[], $11::text[])
                     WITH ORDINALITY AS u(provider, provider_event_id, kind, occurred_at, send_id, email, machine_open, bot, url,
                                          properties, reason, ord)
            )
            INSERT INTO \(schema.qualified("unmatched_provider_events"))
                (provider, provider_event_id, kind, occurred_at, received_at, send_id, email, machine_open, bot, url, properties, reason)
            SELECT i.provider, i.provider_event_id, i.kind, coalesce(i.occurred_at, $12), $12, i.send_id,
                   CASE WHEN i.forgotten THEN NULL ELSE i.email END, i.machine_open, i.bot,
                   CASE WHEN i.forgotten THEN NULL ELSE i.url END,
                   CASE WHEN i.forgotten THEN '{}'::jsonb ELSE i.properties::jsonb END,
                   CASE WHEN i.forgotten THEN \(Self.forgottenReason) ELSE i.reason END
            FROM input i
            ORDER BY i.ord
            ON CONFLICT (provider, provider_event_id) DO NOTHING
            RETURNING provider, provider_event_id
            """
    }

    /// The reason kept for an unmatched event whose address is a forgotten person's, as an SQL literal.
    static let forgottenReason =
        "'the address is a forgotten person''s (contacts forget): the event is kept without it'"
}
