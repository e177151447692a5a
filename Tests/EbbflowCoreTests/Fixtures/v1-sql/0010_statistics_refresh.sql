-- 0010: planner statistics refreshed as soon as a table outgrows them.
--
-- Why: ebbflow runs its statements prepared, and PostgreSQL caches one generic plan per
-- statement after a few runs. A plan made while a table was nearly empty (a fresh install, or
-- `jobs` after a quiet spell, since finished jobs leave it) reads the whole table instead of an
-- index, and it is only replaced when the table's statistics change. Autovacuum can take a
-- minute or more to analyze. Measured in `ebbflow-bench engine`: after a sweep enqueued
-- 500,000 cooldown jobs into a `jobs` table planned while empty, claims, completions and job
-- cancellations each scanned all of them (about 100 ms each instead of a fraction of a
-- millisecond) until autovacuum came by.
--
-- Every worker calls this function every few seconds (EbbflowQueue/Maintenance/
-- StatisticsRefresher.swift). It analyzes each table of this schema whose file has grown to at
-- least min_pages and to more than factor times the pages its statistics describe; ANALYZE
-- changes the statistics, which makes every session re-plan the statements on that table.
-- relpages then records the new size, so a table growing steadily is analyzed a logarithmic
-- number of times. One worker at a time (advisory lock); the others return at once.
CREATE FUNCTION refresh_outgrown_statistics(min_pages bigint, factor float8) RETURNS SETOF text
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    t record;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('ebbflow.statistics'), hashtext(current_schema())) THEN
        RETURN;
    END IF;
    FOR t IN
        SELECT c.relname, pg_relation_size(c.oid) / current_setting('block_size')::bigint AS pages, c.relpages
        FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
    LOOP
        IF t.pages >= min_pages AND t.pages > factor * greatest(t.relpages, 1) THEN
            EXECUTE format('ANALYZE %I.%I', current_schema(), t.relname);
            RETURN NEXT t.relname;
        END IF;
    END LOOP;
END $$;
