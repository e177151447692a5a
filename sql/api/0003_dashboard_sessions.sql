-- api 0003: the dashboard's browser sessions, each made by signing in with an API key.
--
-- Why a table and not a signed cookie: every request must learn whether the key behind it was
-- revoked anyway (a lookup), and a row can be ended at once (sign-out, revocation), where a
-- stolen signed cookie would work until it expired. The cookie holds 32 random bytes; only
-- their SHA-256 is stored, so the table and its backups cannot sign anybody in. The CSRF token
-- every form of the session carries is kept beside it (synchronizer token).
--
-- Times are real time (pg_catalog.now()), never clock_now(): a simulation's clock jumps days,
-- and a session must not expire because a simulated month passed.
CREATE TABLE dashboard_sessions (
    token_sha256 bytea PRIMARY KEY CHECK (octet_length(token_sha256) = 32),
    key_id       bigint NOT NULL REFERENCES api_keys (id),
    csrf_token   bytea NOT NULL CHECK (octet_length(csrf_token) = 32),
    created_at   timestamptz NOT NULL DEFAULT pg_catalog.now(),
    -- Written at most once a minute; a session unused for two hours is over.
    last_seen_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    -- Absolute end: twelve hours after sign-in, however busy the session.
    expires_at   timestamptz NOT NULL
);

CREATE INDEX dashboard_sessions_key ON dashboard_sessions (key_id);
CREATE INDEX dashboard_sessions_expires ON dashboard_sessions (expires_at);
