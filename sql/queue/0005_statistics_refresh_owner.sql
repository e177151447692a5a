-- 0025: the statistics refresher reports a table as analyzed only when ANALYZE really ran.
--
-- Why: a role that may not analyze a table makes PostgreSQL skip it with a WARNING and no
-- error, and 0010's function still returned the table, so every worker logged "refreshed
-- planner statistics" for statistics that never changed. Who may analyze is PostgreSQL's to
-- decide (the table's owner, the database's owner on 15 and 16, MAINTAIN or pg_maintain on
-- 17, superusers), so the function asks for ANALYZE on every outgrown table and reports
-- analyzed = true only when the table's statistics afterwards describe its size (relpages,
-- which ANALYZE updates in place); a skipped table is reported with analyzed = false. A
-- check of table ownership beforehand once left the database owner's tables unanalyzed.
DROP FUNCTION refresh_outgrown_statistics(bigint, float8);

CREATE FUNCTION refresh_outgrown_statistics(min_pages bigint, factor float8)
RETURNS TABLE (table_name text, analyzed boolean)
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    t record;
    pages_after integer;
BEGIN
    IF NOT pg_try_advisory_xact_lock(hashtext('ebbflow.statistics'), hashtext(current_schema())) THEN
        RETURN;
    END IF;
    FOR t IN
        SELECT c.oid, c.relname, pg_relation_size(c.oid) / current_setting('block_size')::bigint AS pages, c.relpages
        FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
    LOOP
        CONTINUE WHEN NOT (t.pages >= min_pages AND t.pages > factor * greatest(t.relpages, 1));
        table_name := t.relname;
        EXECUTE format('ANALYZE %I.%I', current_schema(), t.relname);
        SELECT c.relpages INTO pages_after FROM pg_class c WHERE c.oid = t.oid;
        analyzed := NOT (t.pages > factor * greatest(pages_after, 1));
        RETURN NEXT;
    END LOOP;
END $$;
