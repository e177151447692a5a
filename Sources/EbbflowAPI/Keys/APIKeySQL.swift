// Every SQL statement over `api_keys`, qualified with the configured schema.
import EbbflowCore

struct APIKeySQL: Sendable {
    let schema: SchemaName
    var keys: String { schema.qualified("api_keys") }
    var clock: String { schema.qualified("clock_now") }

    /// $1 name, $2 public id, $3 secret digest, $4 scope, $5 rate limit. Nothing when an
    /// active key has the name already (the partial unique index).
    var insert: String {
        """
        INSERT INTO \(keys) (name, public_id, secret_sha256, scope, rate_limit, created_at)
        VALUES ($1, $2, $3, $4, $5, \(clock)())
        ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING
        RETURNING created_at
        """
    }

    /// Active keys, or every key with $1 true; oldest first.
    var list: String {
        """
        SELECT name, public_id, scope, rate_limit, created_at, revoked_at, last_used_at FROM \(keys)
        WHERE $1 OR revoked_at IS NULL ORDER BY created_at, id
        """
    }

    /// Revokes the active key named $1; returns it if there was one.
    var revoke: String {
        "UPDATE \(keys) SET revoked_at = \(clock)() WHERE name = $1 AND revoked_at IS NULL RETURNING public_id"
    }

    /// The active key with public id $1.
    var find: String {
        "SELECT id, name, secret_sha256, scope, rate_limit FROM \(keys) WHERE public_id = $1 AND revoked_at IS NULL"
    }

    /// Marks key $1 used now, at most once a minute so a busy key costs no write per request.
    var touch: String {
        """
        UPDATE \(keys) SET last_used_at = \(clock)()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < \(clock)() - interval '1 minute')
        """
    }
}
