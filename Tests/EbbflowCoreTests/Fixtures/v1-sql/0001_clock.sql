-- 0001: the one clock. Every time comparison in ebbflow's SQL reads clock_now(), once per
-- transaction, and passes the value on. It is the database's now() unless the database was
-- created for simulation (database_info.simulation, set once by `ebbflow migrate --simulation`)
-- and the clock has been set, in which case time stands at clock.frozen_at until moved again.
-- A frozen clock (not an offset) keeps simulations deterministic: nothing drifts while workers run.

CREATE TABLE clock (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    frozen_at  timestamptz,
    changed_at timestamptz NOT NULL DEFAULT now()
);

INSERT INTO clock DEFAULT VALUES;

-- Refuses an override outside a simulation database, whatever client writes the row.
CREATE FUNCTION clock_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    IF NEW.frozen_at IS NOT NULL AND NOT (SELECT simulation FROM database_info) THEN
        RAISE EXCEPTION 'the clock can only be moved in a database created for simulation'
            USING ERRCODE = 'P0001', HINT = 'create one with: ebbflow migrate --simulation';
    END IF;
    NEW.changed_at := now();
    RETURN NEW;
END $$;

CREATE TRIGGER clock_guard BEFORE UPDATE ON clock FOR EACH ROW EXECUTE FUNCTION clock_guard();

-- STABLE: one value per statement. Code reads it once per transaction anyway.
CREATE FUNCTION clock_now() RETURNS timestamptz
LANGUAGE sql STABLE SET search_path FROM CURRENT AS $$
    SELECT coalesce(
        (SELECT c.frozen_at FROM clock c, database_info d WHERE d.simulation),
        pg_catalog.now())
$$;
