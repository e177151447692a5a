-- 0009: a job's completion may travel in its COMMIT's round trip.
--
-- A transactional job's handler effects and its completion commit together. To save a round
-- trip, the worker sends the completion in the same pipeline as COMMIT, so it cannot look at
-- the row count before committing. The completion statement therefore fails by itself when
-- the worker no longer holds the job (its lease expired and the rescuer gave it to another
-- worker): it calls this function, whose error aborts the transaction, so the handler's
-- effects roll back exactly as when the worker checked the count itself. SQLSTATE EB001 lets
-- the worker tell this apart from other failures (EbbflowQueue/JobStore.swift).
CREATE FUNCTION job_lease_lost(job_id bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'job % is no longer held by this worker (its lease expired and it was rescued)', job_id
        USING ERRCODE = 'EB001';
END $$;
