// Every SQL statement of streams (journeys), in one place, qualified with the configured schema.
import EbbflowCore

struct StreamSQL: Sendable {
    let schema: SchemaName
    var streams: String { schema.qualified("streams") }

    /// Creates or replaces stream $1 (mode $2, priority $3, definition $4) at $5; the version
    /// grows only when the definition changed. Returns the version and whether it was new.
    var upsert: String {
        """
        INSERT INTO \(streams) AS s (name, mode, priority, definition, created_at, updated_at)
        VALUES ($1, $2, $3, $4::jsonb, $5, $5)
        ON CONFLICT (name) DO UPDATE
        SET mode = excluded.mode, priority = excluded.priority, definition = excluded.definition,
            version = s.version + 1, updated_at = excluded.updated_at
        WHERE s.definition IS DISTINCT FROM excluded.definition
        RETURNING version, (xmax = 0) AS created
        """
    }

    var list: String {
        "SELECT name, mode, priority, version, updated_at, definition FROM \(streams) ORDER BY priority DESC NULLS LAST, name"
    }

    var find: String {
        "SELECT name, mode, priority, version, updated_at, definition FROM \(streams) WHERE name = $1"
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

    /// Contacts $1 are in streams $2 with modes $3 from $4; `entered_at` moves only for a new stream.
    var placeInStreams: String {
        """
        INSERT INTO \(schema.qualified("stream_memberships")) AS m (contact_id, stream, mode, entered_at)
        SELECT * FROM unnest($1::int8[], $2::text[], $3::text[]) AS p(contact_id, stream, mode), (SELECT $4::timestamptz) AS t
        ON CONFLICT (contact_id) DO UPDATE
        SET stream = excluded.stream, mode = excluded.mode,
            entered_at = CASE WHEN m.stream = excluded.stream THEN m.entered_at ELSE excluded.entered_at END
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
}
