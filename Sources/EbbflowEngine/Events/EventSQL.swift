// Every SQL statement of recording and applying engagement events, qualified with the configured schema.
import EbbflowCore

struct EventSQL: Sendable {
    let schema: SchemaName
    var contacts: String { schema.qualified("contacts") }
    var events: String { schema.qualified("engagement_events") }
    var transitions: String { schema.qualified("transitions") }

    /// Events $1 not applied yet, each with its contact, all locked, in contact then event
    /// order: every applier locks contacts in id order, so concurrent batches cannot deadlock.
    /// NO KEY UPDATE, not UPDATE: no key changes here, and FOR UPDATE also waits on the KEY
    /// SHARE locks that inserting events takes on their contacts (the foreign key check). The API
    /// inserts and applies in one transaction, so two batches sharing two contacts each held the
    /// other's KEY SHARE and deadlocked (a second lost each time, at deadlock_timeout) whatever
    /// the order.
    var lockEventsAndContacts: String {
        """
        SELECT e.id AS event_id, e.kind, e.occurred_at, e.machine_open, e.bot, c.id AS contact_id, c.segment,
               c.campaign_status::text AS status, c.engagement_score, c.last_engagement_at, c.score_as_of, c.channel,
               c.suppression_reason, e.properties->>'type' AS bounce_type,
               CASE WHEN jsonb_typeof(e.properties->'consent_source') = 'string' THEN e.properties->>'consent_source' END
                   AS consent_source,
               (SELECT max(t.at) FROM \(schema.qualified("transitions")) t
                WHERE t.contact_id = c.id AND t.reason = 'moved_to_channel') AS channel_moved_at
        FROM \(events) e JOIN \(contacts) c ON c.id = e.contact_id
        WHERE e.id = ANY($1) AND e.applied_at IS NULL
        ORDER BY c.id, e.id
        FOR NO KEY UPDATE OF e, c
        """
    }

    /// Many contacts' new state at once: $1 ids, $2 scores, $3 last engagements, $4 score as
    /// of, $5 statuses, $6 status changed, $7 answered (an event earned points), $8 now, $9 channels
    /// (an engagement after a channel move may bring the contact back to email), $10 suppression
    /// reasons (sql/engine/0023 clears one on a contact that is not suppressed).
    var updateContacts: String {
        """
        UPDATE \(contacts) c SET engagement_score = u.score, last_engagement_at = u.last_engagement, score_as_of = u.as_of,
            campaign_status = u.status::\(schema.qualified("campaign_status")),
            status_changed_at = CASE WHEN u.changed THEN $8 ELSE c.status_changed_at END,
            flow_sends_unanswered = CASE WHEN u.answered THEN 0 ELSE c.flow_sends_unanswered END,
            channel = u.channel, suppression_reason = u.suppression_reason
        FROM unnest($1::int8[], $2::float8[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::bool[], $7::bool[], $9::text[],
                    $10::text[])
             AS u(id, score, last_engagement, as_of, status, changed, answered, channel, suppression_reason)
        WHERE c.id = u.id
        """
    }

    /// Transitions caused by events: $1 contacts, $2 from, $3 to, $4 reasons, $5 events, $6 at,
    /// $7 details (a resubscribe's consent source).
    var insertEventTransitions: String {
        """
        INSERT INTO \(transitions) (contact_id, from_status, to_status, reason, event_id, at, detail)
        SELECT t.contact_id, t.from_status::\(schema.qualified("campaign_status")), t.to_status::\(schema.qualified("campaign_status")),
               t.reason, t.event_id, $6, t.detail
        FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::int8[], $7::text[])
             AS t(contact_id, from_status, to_status, reason, event_id, detail)
        """
    }

    /// The applied soft bounces of contacts $1 dated after $2 and after the contact last left
    /// `suppressed`, by contact (`soft_bounce_limit`). Why not those before: a resubscribe or an
    /// administrator's unsuppress reinstates the address with a clean slate, so the bounces
    /// that suppressed it (or came while it was suppressed) must not let one new soft bounce
    /// suppress it again. A bounce whose type is not `hard` is soft (Consent/ConsentRules.swift
    /// says why). One statement per batch: the reinstatement by an index-only scan of
    /// `transitions_reinstated` (sql/engine/0028), the bounces from `engagement_events_contact`
    /// (contact_id, occurred_at).
    var softBounces: String {
        """
        SELECT e.contact_id, array_agg(e.occurred_at) AS at
        FROM unnest($1::int8[]) AS c(id)
        CROSS JOIN LATERAL (
            SELECT max(t.at) AS left_at FROM \(transitions) t
            WHERE t.contact_id = c.id AND t.from_status = 'suppressed' AND t.to_status <> 'suppressed'
        ) l
        JOIN \(events) e ON e.contact_id = c.id
        WHERE e.occurred_at > greatest($2::timestamptz, l.left_at) AND e.kind = 'bounce' AND e.applied_at IS NOT NULL
          AND e.rejection IS NULL AND (e.properties->>'type') IS DISTINCT FROM 'hard'
        GROUP BY e.contact_id
        """
    }

    /// $1 event ids, $2 points each (NULL: the kind earns nothing under the policy), $3 now.
    var markApplied: String {
        """
        UPDATE \(events) e SET applied_at = $3, points = u.points
        FROM unnest($1::int8[], $2::int4[]) AS u(id, points) WHERE e.id = u.id
        """
    }

    /// Events settled without being applied: $1 ids, $2 reasons, $3 now (points stay NULL).
    var markRejected: String {
        """
        UPDATE \(events) e SET applied_at = $3, rejection = u.reason
        FROM unnest($1::int8[], $2::text[]) AS u(id, reason) WHERE e.id = u.id
        """
    }

    /// Makes the events of this transaction apply inline (no `apply_events` job; see engine
    /// 0006 and 0020). Why this flag stays, transaction-local: the trigger is a statement
    /// trigger over the inserted rows, and the importer's rows look exactly like another
    /// system's until they are applied later in the same transaction. The alternatives change
    /// behaviour or rights: inserting them already marked applied would let a crash between
    /// insert and apply leave events marked applied but never scored; disabling the trigger
    /// (ALTER TABLE, session_replication_role) needs the table's owner or a superuser and
    /// would hide concurrent sessions' rows too; a column saying "imported" would be stored
    /// on every event for one transaction's benefit. The flag ends with the transaction.
    var applyInline: String { "SELECT set_config('ebbflow.inline_apply', 'on', true)" }

    /// Many events in one statement, in line order; an event whose idempotency key is in the
    /// table or earlier in the batch inserts nothing (nor does a repeated (source, provider id)
    /// stored before the keys existed). The key is SHA-256 of the provider id with its source
    /// when given; else of the line's source, external id, kind, time as given, machine_open,
    /// url and properties (jsonb's canonical text), encoded as one JSON array so no two
    /// different lines share an encoding; the time as epoch seconds, so the session's time
    /// zone cannot change it. A line with neither a time nor a provider id cannot say which
    /// event it is: it is dated now ($9) and keyed by its place ($10: the import run's id and
    /// its line number, the same through the run's retries), or, without one, by now and its
    /// position in the batch. Why: keyed by content alone, every later
    /// `echo '{"external_id":"k","kind":"click"}' | ebbflow events import -` was dropped as a
    /// repeat of the first; keyed by the clock, a frozen simulation clock did the same, and a
    /// retry after a commit that was lost in flight stored the batch twice. Returns each stored
    /// row with `ord`, its 1-based position in the batch. $1 external ids, $2 kinds,
    /// $3 occurred (NULL: now), $4 sources, $5 provider ids, $6 machine opens, $7 urls,
    /// $8 properties, $9 now, $10 places, $11 bot flags (not part of the key: a scanner's click
    /// and a person's are the same delivery's click).
    var insertEvents: String {
        """
        WITH lines AS (
            SELECT u.*, CASE
                       WHEN u.provider_event_id IS NOT NULL THEN jsonb_build_array('provider', u.source, u.provider_event_id)
                       WHEN u.occurred_at IS NOT NULL THEN jsonb_build_array('derived', u.source, u.external_id, u.kind,
                                extract(epoch FROM u.occurred_at), u.machine_open, u.url, u.properties::jsonb)
                       WHEN u.place IS NOT NULL THEN jsonb_build_array('placed', u.place)
                       ELSE jsonb_build_array('undated', u.source, u.external_id, u.kind, extract(epoch FROM $9::timestamptz),
                                u.machine_open, u.url, u.properties::jsonb) END AS identity
            FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::bool[], $7::text[], $8::text[], $10::text[],
                        $11::bool[])
                 WITH ORDINALITY AS u(external_id, kind, occurred_at, source, provider_event_id, machine_open, url, properties, place, bot, ord)
        ),
        input AS MATERIALIZED (
            SELECT l.*, sha256(convert_to(CASE WHEN l.occurred_at IS NULL AND l.provider_event_id IS NULL AND l.place IS NULL
                       THEN (l.identity || to_jsonb(l.ord))::text ELSE l.identity::text END, 'UTF8')) AS key
            FROM lines l
        ),
        stored AS (
            INSERT INTO \(events) (contact_id, external_id, kind, occurred_at, received_at, source, provider_event_id, machine_open, url,
                                   properties, idempotency_key, bot)
            SELECT c.id, i.external_id, i.kind, coalesce(i.occurred_at, $9), $9, i.source, i.provider_event_id, i.machine_open, i.url,
                   i.properties::jsonb, i.key, i.bot
            FROM input i LEFT JOIN \(contacts) c ON c.external_id = i.external_id
            ORDER BY i.ord
            ON CONFLICT DO NOTHING
            RETURNING id, contact_id, external_id, source, provider_event_id, idempotency_key
        )
        SELECT s.id, s.contact_id, s.external_id, s.source, s.provider_event_id, f.ord
        FROM stored s JOIN (SELECT key, min(ord) AS ord FROM input GROUP BY key) f ON f.key = s.idempotency_key
        ORDER BY f.ord
        """
    }

    /// Unapplied events of known contacts in the id ranges ($1 first ids, $2 last ids).
    var pendingEventsInRanges: String {
        """
        SELECT e.id FROM unnest($1::int8[], $2::int8[]) AS r(first_id, last_id)
        JOIN \(events) e ON e.id BETWEEN r.first_id AND r.last_id
        WHERE e.applied_at IS NULL AND e.contact_id IS NOT NULL
        """
    }

    /// Links events that came before their contact, by external id.
    var linkUnlinkedEvents: String {
        """
        UPDATE \(events) e SET contact_id = c.id FROM \(contacts) c
        WHERE e.contact_id IS NULL AND e.applied_at IS NULL AND c.external_id = e.external_id
        """
    }

    /// Up to $1 unapplied events of known contacts, oldest first. Not locked here: the
    /// applier locks them in its one order and re-checks each is still unapplied.
    var pendingEvents: String {
        "SELECT id FROM \(events) WHERE applied_at IS NULL AND contact_id IS NOT NULL ORDER BY id LIMIT $1"
    }
}
