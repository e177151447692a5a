-- engine 0029: the outbox's lifecycle: a send is leased, then sent, failed (and retried), dead or cancelled.
--
-- Why: the outbox handed each send over once with no acknowledgement (`handed_over`), so a
-- consumer that crashed after claiming lost what it claimed. Now a consumer (ebbflow's own
-- delivery, or a team's sender through `sends lease`) takes a lease that expires; it acks with
-- the provider's message id or fails with the reply, and a failure is retried with backoff until
-- the send's attempts are spent (`dead`). A send whose contact was suppressed, engaged or left
-- its stream before delivery is `cancelled` in the transaction that would have leased it.
--
-- Sends already handed over were given to an integration that delivered them: they become
-- `sent`, and their handed_over_at is their sent_at.
ALTER TABLE sends DROP CONSTRAINT sends_state_check;
ALTER TABLE sends RENAME COLUMN handed_over_at TO sent_at;
UPDATE sends SET state = 'sent' WHERE state = 'handed_over';
ALTER TABLE sends ADD CONSTRAINT sends_state_check
    CHECK (state IN ('pending', 'leased', 'sent', 'failed', 'dead', 'cancelled'));

ALTER TABLE sends
    -- The template version the send was decided with (templates are versioned like streams);
    -- null when the template was not defined in ebbflow when the send was decided.
    ADD COLUMN template_version integer,
    -- Not before this instant: a failed attempt's backoff, or the end of the contact's quiet
    -- hours. Null: the send is due at `at`.
    ADD COLUMN not_before timestamptz,
    ADD COLUMN attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN leased_at timestamptz,
    ADD COLUMN lease_expires_at timestamptz,
    -- Who holds the lease: a late ack or fail from a holder whose lease expired and was taken
    -- by another is told so rather than finishing another's attempt.
    ADD COLUMN lease_token uuid,
    ADD COLUMN message_id text,
    ADD COLUMN finished_at timestamptz,
    -- Why a send was cancelled (suppressed, engaged, left_stream, ...).
    ADD COLUMN cancel_reason text,
    ADD COLUMN last_error text;

-- Each failed attempt's error, kept (the send's row holds only the last).
CREATE TABLE send_errors (
    send_id   bigint NOT NULL REFERENCES sends (id) ON DELETE CASCADE,
    attempt   integer NOT NULL,
    at        timestamptz NOT NULL,
    error     text NOT NULL,
    permanent boolean NOT NULL,
    PRIMARY KEY (send_id, attempt)
);

DROP INDEX sends_pending;
-- What a lease looks at: sends waiting for an attempt, and leases that may have expired.
CREATE INDEX sends_leasable ON sends (id) WHERE state IN ('pending', 'failed');
CREATE INDEX sends_leased ON sends (lease_expires_at) WHERE state = 'leased';
