-- engine 0021: the messageIds of the Segment identify messages ingest applied, so a repeat is applied once.
--
-- An event's messageId is its idempotency key in engagement_events; an identify stores no event,
-- so without a record of its own a client's retry of an older identify (its 200 lost in flight)
-- wrote its traits again, over those of any identify applied since. A row is written in the
-- transaction that upserts the contact (EbbflowEngine/Ingest/IdentifyMessages.swift); a message
-- whose id is here already is accepted and counted as a repeat, its traits left unread.
CREATE TABLE ingest_identify_messages (
    message_id text PRIMARY KEY,
    external_id text NOT NULL,
    received_at timestamptz NOT NULL
);
