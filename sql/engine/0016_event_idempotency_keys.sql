-- 0020: every imported event carries an idempotency key, so re-running an import after a crash
-- applies each event exactly once, with or without provider ids. The key is SHA-256 of the
-- provider id (with its source) when the line has one, else of the line's source, contact,
-- kind, time as given, machine_open, url and properties (EbbflowEngine/EngineSQL.swift,
-- insertEvents). Rows inserted by other systems may leave it NULL; (source, provider_event_id)
-- stays unique as before.
ALTER TABLE engagement_events ADD COLUMN idempotency_key bytea;
CREATE UNIQUE INDEX engagement_events_idempotency_key ON engagement_events (idempotency_key) WHERE idempotency_key IS NOT NULL;
