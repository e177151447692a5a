-- engine 0020: the engine reaches the queue's tables only through the queue.
--
-- Per-contact jobs (flow steps, end-of-flow waits, reactivation and stream steps) now carry
-- the queue's `subject` column, 'contact:<id>' (EbbflowEngine/Contacts/ContactJobs.swift), and
-- are cancelled by it; the engine's own index on the queue's args (0003) goes. Jobs enqueued
-- before this migration get their subject here: the pending ones, and the finished ones that
-- `jobs retry` can put back (discarded, cancelled). Only these four kinds, the ones the engine
-- cancels by contact: another kind whose args name a contact_id is not the engine's to label.
-- The old index goes first, so the backfill of a large `jobs` table does not also write an
-- entry per row into an index about to be dropped.
DROP INDEX jobs_contact;

UPDATE jobs SET subject = 'contact:' || ((args->>'contact_id')::bigint)
WHERE kind IN ('flow_step', 'flow_wait_end', 'reactivation_step', 'stream_step') AND args ? 'contact_id' AND subject IS NULL;

UPDATE finished_jobs SET subject = 'contact:' || ((args->>'contact_id')::bigint)
WHERE state IN ('discarded', 'cancelled') AND kind IN ('flow_step', 'flow_wait_end', 'reactivation_step', 'stream_step')
  AND args ? 'contact_id' AND subject IS NULL;

-- Events another system inserts still become `apply_events` jobs in the inserting statement's
-- own transaction (one per 1,000 consecutive ids, see 0006), now made by the queue's
-- enqueue_jobs (queue 0006), which also wakes the workers. `ebbflow events import` still
-- applies its own rows inline and says so with ebbflow.inline_apply (EngineSQL.applyInline
-- says why that flag stays).
CREATE OR REPLACE FUNCTION enqueue_event_application() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF coalesce(current_setting('ebbflow.inline_apply', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    PERFORM enqueue_jobs('apply_events', ARRAY(
        SELECT jsonb_build_object('first_id', min(id), 'last_id', max(id))
        FROM new_events WHERE contact_id IS NOT NULL AND applied_at IS NULL
        GROUP BY id / 1000 ORDER BY min(id)));
    RETURN NULL;
END $$;
