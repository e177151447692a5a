-- engine 0026: provider webhooks: events that matched no contact, kept with their reason; contacts found by address.
--
-- unmatched_provider_events: an event a provider reported (SendGrid, Mailgun, Postmark, SES)
-- whose send id is unknown and whose address names no contact. Kept, never dropped, so an
-- operator can see what went astray (a send id the mail integration did not set, an address
-- imported later); (provider, provider_event_id) is unique, so a provider's retries of the same
-- event are stored once here too. Written only by ProviderEventRecorder
-- (Sources/EbbflowEngine/Consent).
CREATE TABLE unmatched_provider_events (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider          text NOT NULL,
    provider_event_id text NOT NULL,
    kind              text NOT NULL,
    occurred_at       timestamptz NOT NULL,
    received_at       timestamptz NOT NULL,
    send_id           bigint,
    email             text,
    machine_open      boolean NOT NULL DEFAULT false,
    bot               boolean NOT NULL DEFAULT false,
    url               text,
    properties        jsonb NOT NULL DEFAULT '{}',
    reason            text NOT NULL,
    UNIQUE (provider, provider_event_id)
);

-- A provider event without ebbflow's send id finds its contact by address, compared without
-- case (providers report the address as the recipient's server wrote it). Why not CONCURRENTLY:
-- the migrator runs each file in one transaction, where CREATE INDEX CONCURRENTLY cannot run.
-- A plain build takes a SHARE lock: reads go on, writes to contacts wait for the build (a
-- second or two a million contacts). The lock timeout keeps the migration from queueing behind
-- a long transaction with every writer queued behind it; it fails instead and can be re-run.
-- On a very large table an operator builds the index first, outside any transaction:
--   CREATE INDEX CONCURRENTLY contacts_email_lower ON <schema>.contacts (lower(email));
-- and this statement then finds it and does nothing (IF NOT EXISTS).
SET LOCAL lock_timeout = '10s';
CREATE INDEX IF NOT EXISTS contacts_email_lower ON contacts (lower(email));
