-- queue 0006: a job may name its subject, and SQL outside the queue enqueues through a function.
--
-- Why a subject: the engine cancels a contact's pending steps when the contact engages, is
-- reactivated or leaves a stream. It used to find them through its own index on
-- args->>'contact_id' of the queue's table; now every per-contact job carries its subject
-- (the engine writes 'contact:<id>') in this queue-owned column, indexed here, and
-- `JobStore.cancelPending` cancels by it. finished_jobs keeps it, so a cancelled or discarded
-- job put back by `jobs retry` can be cancelled by its subject again. Rows already here get
-- theirs from the migration of the module that enqueued them (engine 0020).
ALTER TABLE jobs ADD COLUMN subject text;
ALTER TABLE finished_jobs ADD COLUMN subject text;

CREATE INDEX jobs_subject ON jobs (subject) WHERE subject IS NOT NULL;

-- Enqueues one available job of kind p_kind in queue p_queue per element of p_args, due now
-- by the clock, and wakes the queue's workers (NOTIFY, delivered at commit). For SQL that
-- cannot call Swift (a trigger), so that it need not know the columns of `jobs` nor the
-- channel's name. Returns how many jobs it made.
CREATE FUNCTION enqueue_jobs(p_kind text, p_args jsonb[], p_queue text DEFAULT 'default') RETURNS integer
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    made integer;
BEGIN
    INSERT INTO jobs (state, queue, kind, args, run_at, created_at)
    SELECT 'available', p_queue, p_kind, a, clock_now(), clock_now() FROM unnest(p_args) WITH ORDINALITY AS u(a, n) ORDER BY n;
    GET DIAGNOSTICS made = ROW_COUNT;
    IF made > 0 THEN
        PERFORM pg_notify(current_schema() || '_jobs', p_queue);
    END IF;
    RETURN made;
END $$;
