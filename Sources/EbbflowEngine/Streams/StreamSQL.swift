// Every SQL statement of streams (journeys), in one place, qualified with the configured schema.
import EbbflowCore

struct StreamSQL: Sendable {
    let schema: SchemaName
    var streams: String { schema.qualified("streams") }

    /// Creates or replaces stream $1 (mode $2, priority $3, definition $4) at $5; the version
    /// grows only when the definition changed. Returns the version and whether it was new.
    /// Creates or changes a stream, keeping the new version's definition in `stream_versions`
    /// in the same statement; an unchanged definition returns no row and writes nothing.
    var upsert: String {
        """
        WITH written AS (
            INSERT INTO \(streams) AS s (name, mode, priority, definition, created_at, updated_at)
            VALUES ($1, $2, $3, $4::jsonb, $5, $5)
            ON CONFLICT (name) DO UPDATE
            SET mode = excluded.mode, priority = excluded.priority, definition = excluded.definition,
                version = s.version + 1, updated_at = excluded.updated_at
            WHERE s.definition IS DISTINCT FROM excluded.definition
            RETURNING name, version, definition, updated_at, (xmax = 0) AS created
        ), kept AS (
            INSERT INTO \(schema.qualified("stream_versions")) (stream, version, definition, created_at)
            SELECT name, version, definition, updated_at FROM written
        )
        SELECT version, created FROM written
        """
    }

    /// The latest exit of each contact $1 from each stream since $2: when a standing stream may
    /// take the contact back.
    var recentExits: String {
        """
        SELECT DISTINCT ON (contact_id, previous) contact_id, previous AS stream, at
        FROM \(schema.qualified("stream_decisions"))
        WHERE contact_id = ANY($1) AND at > $2 AND trigger LIKE 'exit:%'
        ORDER BY contact_id, previous, id DESC
        """
    }

    /// Members of stream $1 per version they follow, newest version first.
    var membersByVersion: String {
        """
        SELECT version, count(*)::int8 AS members FROM \(schema.qualified("stream_memberships"))
        WHERE stream = $1 GROUP BY version ORDER BY version DESC
        """
    }

    /// Version $2 of stream $1's definition, as its members entered it.
    var versionDefinition: String {
        "SELECT definition FROM \(schema.qualified("stream_versions")) WHERE stream = $1 AND version = $2"
    }

    var list: String {
        "SELECT name, mode, priority, version, created_at, updated_at, definition FROM \(streams) ORDER BY priority DESC NULLS LAST, name"
    }

    var find: String {
        "SELECT name, mode, priority, version, created_at, updated_at, definition FROM \(streams) WHERE name = $1"
    }

    /// The current stream of contacts $1.
    var membershipsOf: String {
        "SELECT contact_id, stream FROM \(schema.qualified("stream_memberships")) WHERE contact_id = ANY($1)"
    }

    /// The stream of contact $1 and since when.
    var membershipOf: String {
        "SELECT stream, entered_at FROM \(schema.qualified("stream_memberships")) WHERE contact_id = $1"
    }

    /// Sends and goals per stream for segments $1, for the arbiter's estimates.
    var outcomesFor: String {
        "SELECT stream, segment, status, sends, goals FROM \(schema.qualified("stream_outcomes")) WHERE segment = ANY($1)"
    }

    /// Contacts $1 leave their stream (their decision put them in none).
    var leaveStreams: String {
        "DELETE FROM \(schema.qualified("stream_memberships")) WHERE contact_id = ANY($1)"
    }

    /// Contacts $1 enter streams $2 with modes $3 at $4, following versions $5; each gets a new
    /// entry number. The caller removed any earlier membership first (`leaveStreams`), so a
    /// re-entry starts afresh.
    var placeInStreams: String {
        """
        INSERT INTO \(schema.qualified("stream_memberships")) (contact_id, stream, mode, entered_at, version)
        SELECT p.contact_id, p.stream, p.mode, $4::timestamptz, p.version
        FROM unnest($1::int8[], $2::text[], $3::text[], $5::int4[]) AS p(contact_id, stream, mode, version)
        RETURNING contact_id, entry
        """
    }

    /// Decisions: $1 contacts, $2 triggers, $3 events, $4 previous streams, $5 chosen, $6 reasons, $7 candidates (JSON), $8 at.
    var recordDecisions: String {
        """
        INSERT INTO \(schema.qualified("stream_decisions")) (contact_id, trigger, event_id, previous, chosen, reason, candidates, at)
        SELECT d.contact_id, d.trigger, d.event_id, d.previous, d.chosen, d.reason, d.candidates::jsonb, $8
        FROM unnest($1::int8[], $2::text[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[])
             AS d(contact_id, trigger, event_id, previous, chosen, reason, candidates)
        """
    }

    /// A contact's decisions, oldest first: $1 contact.
    var decisionsOf: String {
        """
        SELECT at, trigger, previous, chosen, reason, candidates FROM \(schema.qualified("stream_decisions"))
        WHERE contact_id = $1 ORDER BY id
        """
    }

    /// Contact $1 (locked first with `ContactSQL.lockContacts`, so this statement's snapshot sees
    /// an exit committed while the step waited) with its stream, status, channel and its sends
    /// since $2 that count toward the frequency cap (`FrequencyCap.countedStates`).
    var contactForStep: String {
        let contacts = schema.qualified("contacts"), sends = schema.qualified("sends")
        return """
            SELECT c.id, c.campaign_status::text AS status, c.channel, c.segment, m.stream, m.version, m.entry,
                   coalesce((SELECT array_agg(s.at) FROM \(sends) s WHERE s.contact_id = c.id AND s.at > $2
                             AND s.state IN \(EngagementPolicy.FrequencyCap.countedStates)), '{}') AS recent_sends
            FROM \(contacts) c LEFT JOIN \(schema.qualified("stream_memberships")) m ON m.contact_id = c.id
            WHERE c.id = $1
            """
    }

    /// A stream send: $1 contact, $2 stream, $3 step, $4 template, $5 at, $6 experiment, $7 variant,
    /// $8 segment and $9 status at the send (the estimate it counts toward), with the template's
    /// current version (null for a template ebbflow does not hold): a variant's or a promoted
    /// winner's template is the one $4 names.
    var insertStreamSend: String {
        """
        INSERT INTO \(schema.qualified("sends"))
            (contact_id, flow, step, template, channel, at, experiment, variant, segment_at_send, status_at_send, template_version)
        VALUES ($1, $2, $3, $4, 'email', $5, $6, $7, $8, $9, (SELECT version FROM \(schema.qualified("templates")) WHERE name = $4))
        """
    }

    /// A skipped stream send: $1 stream, $2 contact, $3 step, $4 reason, $5 at.
    var insertStreamSkip: String {
        "INSERT INTO \(schema.qualified("flow_skips")) (flow, contact_id, step, reason, at) VALUES ($1, $2, $3, $4, $5)"
    }

    /// Whether contact $1 had an event of kind $2 in ($3, $4] (a branch's `if`). A machine open
    /// or a scanner's click is no person's answer: a security gateway clicks every link as the
    /// message arrives, which would send everyone behind one down the `then` branch.
    var hadEvent: String {
        """
        SELECT EXISTS (SELECT 1 FROM \(schema.qualified("engagement_events")) WHERE contact_id = $1 AND kind = $2
                       AND occurred_at > $3 AND occurred_at <= $4 AND NOT machine_open AND NOT bot) AS had
        """
    }

    /// The first step of each newly placed contact, as rows for `JobStore.enqueue(StreamStepJob.self,
    /// rowsOf:…)`: $1 contacts, $2 streams, $3 step indexes, $4 due times, $5 the memberships'
    /// entry numbers.
    var enqueueFirstSteps: String {
        """
        SELECT jsonb_build_object('stream', p.stream, 'contact_id', p.contact_id, 'step', p.step, 'entry', p.entry) AS args, p.run_at,
               \(ContactJobs.subject(sql: "p.contact_id")) AS subject
        FROM unnest($1::int8[], $2::text[], $3::int4[], $4::timestamptz[], $5::int8[]) AS p(contact_id, stream, step, run_at, entry)
        """
    }

    /// A stream send counted for the estimates: $1 stream, $2 segment, $3 status.
    var countSend: String {
        """
        INSERT INTO \(schema.qualified("stream_outcomes")) (stream, segment, status, sends) VALUES ($1, $2, $3, 1)
        ON CONFLICT (stream, segment, status) DO UPDATE SET sends = \(schema.qualified("stream_outcomes")).sends + 1
        """
    }

    /// Goal events: contacts $1 had events of kinds $2 at $3; streams $4 count kind $5 within $6
    /// seconds of a send. Each uncredited send of those streams that the event follows within the
    /// window is credited (once), and its stream's goals grow by one per send credited.
    var creditGoals: String {
        let sends = schema.qualified("sends"), outcomes = schema.qualified("stream_outcomes")
        return """
            WITH goal AS (
                SELECT e.contact_id, e.kind, e.at, g.stream, g.within
                FROM unnest($1::int8[], $2::text[], $3::timestamptz[]) AS e(contact_id, kind, at)
                JOIN unnest($4::text[], $5::text[], $6::float8[]) AS g(stream, kind, within) ON g.kind = e.kind
            ), credited AS (
                UPDATE \(sends) s SET goal_credited_at = goal.at
                FROM goal
                WHERE s.contact_id = goal.contact_id AND s.flow = goal.stream AND s.goal_credited_at IS NULL
                  AND s.status_at_send IS NOT NULL AND s.at <= goal.at AND goal.at <= s.at + make_interval(secs => goal.within)
                RETURNING s.flow, s.segment_at_send, s.status_at_send
            )
            INSERT INTO \(outcomes) AS o (stream, segment, status, goals)
            SELECT flow, segment_at_send, status_at_send, count(*) FROM credited GROUP BY 1, 2, 3
            ON CONFLICT (stream, segment, status) DO UPDATE SET goals = o.goals + excluded.goals
            """
    }

    /// Contacts whose date attribute $1 falls, by month and day, on the day of $2 minus $3
    /// days (UTC); the caller locks them all in one ordered statement.
    var contactsOnDate: String {
        """
        SELECT c.id, c.segment, c.campaign_status::text AS status FROM \(schema.qualified("contacts")) c
        WHERE c.attributes ->> $1 ~ '^\\d{4}-\\d{2}-\\d{2}'
          AND substr(c.attributes ->> $1, 6, 5) = to_char(($2::timestamptz AT TIME ZONE 'UTC')::date - $3::int, 'MM-DD')
        ORDER BY c.id
        """
    }
}
