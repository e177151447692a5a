-- api 0002: the signing tokens of provider webhooks seen recently, so a captured request cannot be replayed.
--
-- Mailgun signs each request over its timestamp and a random token; a request whose token was
-- seen before is refused (401) even though its signature is valid. A token is kept while its
-- signed timestamp is within the tolerance (docs/architecture.md, "Provider webhooks"): once it
-- is older the request is refused as stale anyway, so the row is pruned. A provider's retry of
-- the same event comes with a new token and is stored once by its event id instead.
CREATE TABLE webhook_tokens (
    provider  text NOT NULL,
    token     text NOT NULL,
    signed_at timestamptz NOT NULL,
    PRIMARY KEY (provider, token)
);

CREATE INDEX webhook_tokens_signed_at ON webhook_tokens (signed_at);
