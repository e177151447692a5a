-- engine 0031: what the outbox's lease needs beyond 0029: the time zones PostgreSQL knows, and dead sends indexed.
--
-- time_zone_names: quiet hours are computed in SQL (`AT TIME ZONE`), and a contact's `timezone`
-- attribute comes from `identify` or an import, unchecked: an unknown name would make the
-- lease's statement fail for every send in its batch. The lease uses the contact's zone only
-- when it is one of these names (else the segment's default_timezone, else UTC). Why a table
-- and not the view pg_timezone_names: the view reads the time zone files on every scan (about
-- 70 ms here), once per lease; this is an index probe. Filled from the server's zones when
-- the migration runs; a zone added by a later tzdata release falls back like an unknown one.
CREATE TABLE time_zone_names (name text PRIMARY KEY);
INSERT INTO time_zone_names (name) SELECT DISTINCT name FROM pg_timezone_names;

-- Dead sends, counted by /metrics (ebbflow_outbox_sends{state="dead"}) and listed by
-- `sends list --state dead`: few, and what an operator must see, while sent ones grow for ever.
CREATE INDEX sends_dead ON sends (id) WHERE state = 'dead';
