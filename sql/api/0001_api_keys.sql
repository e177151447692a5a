-- api 0001: the keys that callers of `ebbflow serve` present, stored as hashes only.
--
-- Why a hash and a public id: `keys create` prints a key once (ebf_<public id>_<secret>).
-- The server finds the row by the public id (indexed, not secret) and compares SHA-256 of
-- the secret in constant time, so neither the table nor its backups can give a key back and
-- a lookup's timing says nothing about the secret. A revoked key keeps its row (who had
-- which key, and when it stopped working); its name may then be given to a new key.
CREATE TABLE api_keys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    public_id text NOT NULL UNIQUE CHECK (public_id ~ '^[a-z0-9]{12}$'),
    secret_sha256 bytea NOT NULL CHECK (octet_length(secret_sha256) = 32),
    scope text NOT NULL CHECK (scope IN ('ingest', 'read', 'admin')),
    -- Requests per second each `serve` process allows this key (a token bucket of one second's burst).
    rate_limit integer NOT NULL CHECK (rate_limit BETWEEN 1 AND 1000000),
    created_at timestamptz NOT NULL,
    revoked_at timestamptz,
    last_used_at timestamptz
);

CREATE UNIQUE INDEX api_keys_active_name ON api_keys (name) WHERE revoked_at IS NULL;
