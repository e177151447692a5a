-- engine 0032: what the dashboard reads instead of counting big tables on every page: snapshots per channel and stream, hourly and daily rollups, BRIN time indexes.
--
-- Why rollups: a dashboard page must render in under 300 ms with 1,000,000 contacts,
-- 10,000,000 events and 2,000,000 sends (issue 19). Counting events per hour, decisions per day,
-- an experiment's conversions (one probe per send) or sends per flow (no index on sends.flow)
-- takes seconds at that size; the `dashboard_rollup` job (EbbflowEngine/Passes/
-- DashboardRollup.swift, every 5 minutes) recounts them into these small tables, each statement
-- idempotent, and the pages read the tables plus the open hour or day live.

-- audience_snapshots gains the contact's channel, so the dashboard draws `ads` (inactive
-- contacts moved off email) and `suppressed` as separate bands. Rows taken before this file are
-- counted as 'email' (the channel was not kept). Readers that do not ask for the channel sum
-- over it (`audience --history` prints what it printed before).
ALTER TABLE audience_snapshots ADD COLUMN channel text NOT NULL DEFAULT 'email';
ALTER TABLE audience_snapshots DROP CONSTRAINT audience_snapshots_pkey;
ALTER TABLE audience_snapshots ADD PRIMARY KEY (taken_on, segment, status, channel);

-- Members per stream, taken by the daily `audience_snapshot` pass in the same transaction as
-- the audience's. No foreign key: a deleted stream's history stays.
CREATE TABLE stream_snapshots (
    taken_on date NOT NULL,
    stream   text NOT NULL,
    members  integer NOT NULL CHECK (members >= 0),
    PRIMARY KEY (taken_on, stream)
);

-- Events and sends per closed hour (the rollup recounts the last 48 closed hours each run).
-- metric: 'event' (a person's event), 'machine' (a machine open), 'bot' (a link scanner's
-- click), each with `kind` the event kind; 'send' with `kind` the send's channel.
CREATE TABLE activity_hourly (
    hour   timestamptz NOT NULL,
    metric text NOT NULL CHECK (metric IN ('event', 'machine', 'bot', 'send')),
    kind   text NOT NULL,
    count  bigint NOT NULL CHECK (count >= 0),
    PRIMARY KEY (hour, metric, kind)
);

-- The arbiter's decisions per UTC day, by the stream chosen ('none' when it chose none) and
-- the decision's reason. Closed days are counted once; today is recounted by each run.
CREATE TABLE stream_decisions_daily (
    day       date NOT NULL,
    stream    text NOT NULL,
    reason    text NOT NULL,
    decisions bigint NOT NULL CHECK (decisions >= 0),
    PRIMARY KEY (day, stream, reason)
);

-- Sends and conversions per variant as of computed_at (ExperimentStore.tallies' counts):
-- undecided experiments and those promoted in the last 7 days are recounted each run.
CREATE TABLE experiment_tallies (
    experiment  text NOT NULL,
    variant     text NOT NULL,
    sends       bigint NOT NULL CHECK (sends >= 0),
    conversions bigint NOT NULL CHECK (conversions >= 0),
    computed_at timestamptz NOT NULL,
    PRIMARY KEY (experiment, variant)
);

-- Sends per flow (stream sends are counted under their stream's name, as sends.flow says).
CREATE TABLE flow_send_counts (
    flow        text PRIMARY KEY,
    sends       bigint NOT NULL CHECK (sends >= 0),
    computed_at timestamptz NOT NULL
);

-- Time ranges of the three append-mostly tables, for the rollup's recounts and the open
-- hour's live count. Why BRIN: rows arrive roughly in time order, a BRIN index is a few pages
-- per million rows and costs next to nothing on insert, where a btree would add a write to
-- every event, send and decision. As in engine 0026, the build takes a SHARE lock (reads go on,
-- writes wait a few seconds on 10,000,000 rows) and the lock timeout makes the migration fail
-- and be re-run rather than queue behind a long transaction; an operator can build them first
-- with CREATE INDEX CONCURRENTLY under these names, and these statements then do nothing.
SET LOCAL lock_timeout = '10s';
CREATE INDEX IF NOT EXISTS engagement_events_occurred_brin ON engagement_events USING brin (occurred_at);
CREATE INDEX IF NOT EXISTS sends_at_brin ON sends USING brin (at);
CREATE INDEX IF NOT EXISTS stream_decisions_at_brin ON stream_decisions USING brin (at);

-- Contacts off email (moved to ads by an exhausted reactivation), by status: the dashboard's
-- "now" point of the audience per channel is an index-only scan of this small partial index (a
-- few % of the contacts) instead of a read of every contact's row. Score and engagement updates change neither
-- column, so they stay HOT and never touch it.
CREATE INDEX IF NOT EXISTS contacts_off_email ON contacts (campaign_status, channel) WHERE channel <> 'email';

-- Every 5 minutes. Why `@every` and not `*/5 * * * *`: the simulator stops its clock at each
-- fixed-time tick of a day (Simulator.swift), and a five-minute cron would add 288 stops a day.
INSERT INTO schedules (name, cron, time_zone, kind, args, queue, next_run_at)
VALUES ('dashboard_rollup', '@every 5m', 'UTC', 'dashboard_rollup', '{}', 'sweeps',
        date_bin('5 minutes', clock_now(), timestamptz '1970-01-01 00:00:00+00') + interval '5 minutes')
ON CONFLICT (name) DO NOTHING;

INSERT INTO builtin_schedules (name, cron, time_zone, kind, args, queue)
VALUES ('dashboard_rollup', '@every 5m', 'UTC', 'dashboard_rollup', '{}', 'sweeps')
ON CONFLICT (name) DO NOTHING;
