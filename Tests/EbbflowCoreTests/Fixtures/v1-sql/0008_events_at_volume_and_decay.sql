-- 0008: events applied by workers as they arrive, and the score decay pass.
--
-- Decay: engagement_score is now the score as of score_as_of (NULL: as of
-- last_engagement_at, what 0003 stored). The daily `decay_scores` pass rewrites the score to
-- its decayed value and moves score_as_of forward. Decay is exponential after the grace
-- period, so decaying in many small steps or one big step gives the same score: the pass may
-- run daily, hourly or once after downtime (EbbflowEngine/ScoreDecay.swift has the maths,
-- EbbflowEngine/DecayPass.swift the pass). Readers still decay from score_as_of to now.
ALTER TABLE contacts ADD COLUMN score_as_of timestamptz;

-- Events another system inserts become `apply_events` jobs in the inserting statement's own
-- transaction: one job per 1,000 consecutive ids, so a webhook's single row is applied within
-- milliseconds (NOTIFY wakes the workers) and a bulk COPY is applied in parallel batches.
-- `ebbflow events import` applies its rows itself in the same transaction and says so with the
-- transaction-local setting ebbflow.inline_apply, so no job is made for them.
CREATE FUNCTION enqueue_event_application() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF coalesce(current_setting('ebbflow.inline_apply', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO jobs (state, queue, kind, args, run_at, created_at)
    SELECT 'available', 'default', 'apply_events', jsonb_build_object('first_id', min(id), 'last_id', max(id)), clock_now(), clock_now()
    FROM new_events WHERE contact_id IS NOT NULL AND applied_at IS NULL
    GROUP BY id / 1000;
    IF FOUND THEN
        PERFORM pg_notify(TG_TABLE_SCHEMA || '_jobs', 'default');
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER engagement_events_enqueue AFTER INSERT ON engagement_events
    REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION enqueue_event_application();

-- Events that came before their contact: the minute poller links them by external id.
CREATE INDEX engagement_events_unlinked ON engagement_events (external_id) WHERE contact_id IS NULL AND applied_at IS NULL;

INSERT INTO schedules (name, cron, time_zone, kind, args, queue, next_run_at)
VALUES ('decay_scores', '30 3 * * *', 'UTC', 'decay_scores', '{}', 'sweeps',
        date_trunc('day', clock_now()) + CASE WHEN clock_now() < date_trunc('day', clock_now()) + interval '3 hours 30 minutes'
                                               THEN interval '3 hours 30 minutes' ELSE interval '27 hours 30 minutes' END)
ON CONFLICT (name) DO NOTHING;
