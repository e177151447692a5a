// Every SQL statement over `dashboard_sessions` (api 0003), qualified with the configured schema.
import EbbflowCore

struct SessionSQL: Sendable {
    let schema: SchemaName
    var sessions: String { schema.qualified("dashboard_sessions") }
    var keys: String { schema.qualified("api_keys") }

    /// Why real time (`pg_catalog.now()`) and not `clock_now()`: a simulation's clock jumps
    /// days, and a browser must not be signed out because a simulated month passed.
    /// $1 token digest, $2 key id, $3 CSRF token, $4 lifetime in seconds.
    var insert: String {
        """
        INSERT INTO \(sessions) (token_sha256, key_id, csrf_token, expires_at)
        VALUES ($1, $2, $3, pg_catalog.now() + make_interval(secs => $4))
        """
    }

    /// Up to 100 expired sessions, deleted at each sign-in so the table never grows without
    /// bound and no sweep is needed (`dashboard_sessions_expires`).
    var deleteExpired: String {
        """
        DELETE FROM \(sessions) WHERE token_sha256 IN (
            SELECT token_sha256 FROM \(sessions) WHERE expires_at <= pg_catalog.now() LIMIT 100)
        """
    }

    /// The live session with digest $1 and its key, if the key is not revoked, the session not
    /// past its absolute end and not idle longer than $2 seconds. `touch_due` says whether its
    /// last-seen time is more than a minute old.
    var find: String {
        """
        SELECT s.key_id, s.csrf_token, k.name, k.scope, k.rate_limit,
               s.last_seen_at < pg_catalog.now() - interval '1 minute' AS touch_due
        FROM \(sessions) s JOIN \(keys) k ON k.id = s.key_id AND k.revoked_at IS NULL
        WHERE s.token_sha256 = $1 AND s.expires_at > pg_catalog.now()
          AND s.last_seen_at > pg_catalog.now() - make_interval(secs => $2)
        """
    }

    /// Marks session $1 seen now, at most once a minute so browsing costs no write per page.
    var touch: String {
        """
        UPDATE \(sessions) SET last_seen_at = pg_catalog.now()
        WHERE token_sha256 = $1 AND last_seen_at < pg_catalog.now() - interval '1 minute'
        """
    }

    /// Ends session $1 (sign-out).
    var delete: String { "DELETE FROM \(sessions) WHERE token_sha256 = $1" }
}
