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
}
