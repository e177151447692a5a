-- 0008: the statistics refresher analyzes as the schema's owner, so a worker role without DDL rights can use it.
--
-- Why: only a table's owner (or the database's owner, or a superuser) may ANALYZE it, and the
-- worker role made by `ebbflow roles setup` owns nothing; PostgreSQL skipped every ANALYZE
-- it asked for (0005 made that visible). The function now runs with its owner's rights
-- (SECURITY DEFINER): the owner role that ran `ebbflow migrate` owns the tables, so its
-- ANALYZE runs. What a caller can make it do is bounded: only ordinary tables of this
-- schema (the search_path is pinned to the schema, pg_temp last, so no object of another
-- schema can stand in for one of its calls), only tables that outgrew their statistics by a
-- factor of at least 2 and 128 pages, one caller at a time. EXECUTE is revoked from PUBLIC
-- here; `ebbflow migrate` then grants it to the worker role only (Sources/EbbflowCore/
-- Roles/RolePrivileges.swift, definerFunctions). docs/architecture.md ("Rights the roles lack")
-- describes the pattern for the next such function.
SELECT pg_catalog.set_config('search_path', pg_catalog.format('%I, pg_temp', current_schema()), true);

CREATE OR REPLACE FUNCTION refresh_outgrown_statistics(min_pages bigint, factor float8)
RETURNS TABLE (table_name text, analyzed boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    t record;
    pages_after integer;
BEGIN
    IF min_pages IS NULL OR min_pages < 128 OR factor IS NULL OR NOT factor >= 2 THEN
        RAISE EXCEPTION 'refresh_outgrown_statistics: min_pages must be at least 128 and factor at least 2'
            USING ERRCODE = '22023';
    END IF;
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

REVOKE ALL ON FUNCTION refresh_outgrown_statistics(bigint, float8) FROM PUBLIC;
