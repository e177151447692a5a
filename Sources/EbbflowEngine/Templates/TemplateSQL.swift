// Every SQL statement of templates, in one place, qualified with the configured schema.
import EbbflowCore

struct TemplateSQL: Sendable {
    let schema: SchemaName
    var templates: String { schema.qualified("templates") }
    var versions: String { schema.qualified("template_versions") }

    /// Creates or changes template $1 (definition $2) at $3, keeping the new version in
    /// `template_versions` in the same statement; an unchanged definition returns no row and
    /// writes nothing (no new version).
    var upsert: String {
        """
        WITH written AS (
            INSERT INTO \(templates) AS t (name, definition, created_at, updated_at)
            VALUES ($1, $2::jsonb, $3, $3)
            ON CONFLICT (name) DO UPDATE
            SET definition = excluded.definition, version = t.version + 1, updated_at = excluded.updated_at
            WHERE t.definition IS DISTINCT FROM excluded.definition
            RETURNING name, version, definition, updated_at, (xmax = 0) AS created
        ), kept AS (
            INSERT INTO \(versions) (template, version, definition, created_at)
            SELECT name, version, definition, updated_at FROM written
        )
        SELECT version, created FROM written
        """
    }

    var list: String {
        "SELECT name, version, definition, created_at, updated_at FROM \(templates) ORDER BY name"
    }

    /// The current version of template $1.
    var find: String {
        "SELECT name, version, definition, created_at, updated_at FROM \(templates) WHERE name = $1"
    }

    /// Version $2 of template $1.
    var findVersion: String {
        """
        SELECT v.template AS name, v.version, v.definition, t.created_at, v.created_at AS updated_at
        FROM \(versions) v JOIN \(templates) t ON t.name = v.template
        WHERE v.template = $1 AND v.version = $2
        """
    }

    /// The versions a batch of sends needs: $1 names, $2 versions (null: the current one).
    /// Returns each requested pair with the version it resolved to and its definition; a pair
    /// with no such template or version returns no row.
    var versionsForSends: String {
        """
        SELECT k.name, k.version AS requested, v.version, v.definition
        FROM unnest($1::text[], $2::int4[]) AS k(name, version)
        JOIN \(templates) t ON t.name = k.name
        JOIN \(versions) v ON v.template = k.name AND v.version = coalesce(k.version, t.version)
        """
    }

    /// What a render needs of each contact $1: its attributes and its last activity, the
    /// latest engagement event a person made (machine opens, scanners' clicks, consent events
    /// and rejected or unapplied events excluded: the same rule as reactivation's variables).
    func contactsForRender(consentKinds: String) -> String {
        """
        SELECT c.id, c.attributes, e.kind AS last_kind, e.url AS last_url, e.occurred_at AS last_at
        FROM \(schema.qualified("contacts")) c
        LEFT JOIN LATERAL (
            SELECT kind, url, occurred_at FROM \(schema.qualified("engagement_events"))
            WHERE contact_id = c.id AND NOT machine_open AND NOT bot AND kind NOT IN (\(consentKinds))
              AND applied_at IS NOT NULL AND rejection IS NULL
            ORDER BY occurred_at DESC, id DESC LIMIT 1
        ) e ON true
        WHERE c.id = ANY($1)
        """
    }

    /// The tracked links of a batch of sends: $1 send ids, $2 URLs (in each send's order of
    /// appearance). A (send, URL) already recorded (an earlier attempt) keeps its index; new
    /// ones are numbered after the send's highest. Returns every pair with its index; a pair
    /// over `maxLinks` ($3) per send, or one another transaction recorded meanwhile, returns no row.
    var trackLinks: String {
        let table = schema.qualified("tracked_links")
        return """
            WITH input AS (
                SELECT u.send_id, u.url, min(u.ord) AS ord
                FROM unnest($1::int8[], $2::text[]) WITH ORDINALITY AS u(send_id, url, ord)
                GROUP BY u.send_id, u.url
            ), existing AS (
                SELECT t.send_id, t.url, t.link_index FROM \(table) t JOIN input i ON i.send_id = t.send_id AND i.url = t.url
            ), base AS (
                SELECT t.send_id, max(t.link_index) + 1 AS next FROM \(table) t
                WHERE t.send_id IN (SELECT DISTINCT send_id FROM input) GROUP BY t.send_id
            ), numbered AS (
                SELECT i.send_id, i.url,
                       (coalesce(b.next, 0) + row_number() OVER (PARTITION BY i.send_id ORDER BY i.ord) - 1)::int4 AS link_index
                FROM input i LEFT JOIN base b ON b.send_id = i.send_id
                WHERE NOT EXISTS (SELECT 1 FROM existing x WHERE x.send_id = i.send_id AND x.url = i.url)
            ), inserted AS (
                INSERT INTO \(table) (send_id, link_index, url, created_at)
                SELECT send_id, link_index, url, $4 FROM numbered WHERE link_index < $3
                ON CONFLICT DO NOTHING
                RETURNING send_id, url, link_index
            )
            SELECT send_id, url, link_index FROM existing
            UNION ALL SELECT send_id, url, link_index FROM inserted
            """
    }
}
