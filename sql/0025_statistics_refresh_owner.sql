-- 0025: the statistics refresher reports a table as analyzed only when ANALYZE really ran.
--
-- Why: a role that does not own a table cannot analyze it; PostgreSQL then skips it with a
-- WARNING and no error, and 0010's function still returned the table, so every worker logged
-- "refreshed planner statistics" for statistics that never changed. Now a table is analyzed
-- only by a role with the privileges of its owner (superusers included), and reported with
-- analyzed = true only when its statistics afterwards describe its size (relpages, which
-- ANALYZE updates in place); tables it may not analyze are reported with analyzed = false.
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
        SELECT c.oid, c.relname, pg_relation_size(c.oid) / current_setting('block_size')::bigint AS pages, c.relpages,
               pg_has_role(current_user, c.relowner, 'USAGE') AS may_analyze
        FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
    LOOP
        CONTINUE WHEN NOT (t.pages >= min_pages AND t.pages > factor * greatest(t.relpages, 1));
        table_name := t.relname;
        analyzed := false;
        IF t.may_analyze THEN
            EXECUTE format('ANALYZE %I.%I', current_schema(), t.relname);
            SELECT c.relpages INTO pages_after FROM pg_class c WHERE c.oid = t.oid;
            analyzed := NOT (t.pages > factor * greatest(pages_after, 1));
        END IF;
        RETURN NEXT;
    END LOOP;
END $$;
