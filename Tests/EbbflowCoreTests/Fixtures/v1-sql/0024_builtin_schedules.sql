-- 0024: the catalogue of built-in schedules, so `ebbflow schedules restore [NAME]` can put back one
-- that was removed or replaced (`schedules add NAME --replace`); migrate never overwrites a
-- schedule a user changed. A migration that installs a built-in schedule adds it here too.
CREATE TABLE builtin_schedules (
    name         text PRIMARY KEY,
    cron         text NOT NULL,
    time_zone    text NOT NULL DEFAULT 'UTC',
    kind         text NOT NULL,
    args         jsonb NOT NULL DEFAULT '{}',
    queue        text NOT NULL DEFAULT 'sweeps',
    priority     smallint NOT NULL DEFAULT 0,
    max_attempts smallint NOT NULL DEFAULT 20
);

-- The definitions of 0004, 0006, 0007, 0008, 0017 and 0018, as installed.
INSERT INTO builtin_schedules (name, cron, time_zone, kind, args, queue) VALUES
    ('inactivity_sweep',     '0 3 * * *',  'UTC', 'sweep_inactivity',     '{"cursor": 0}', 'sweeps'),
    ('audience_snapshot',    '5 0 * * *',  'UTC', 'audience_snapshot',    '{}',            'sweeps'),
    ('apply_pending_events', '@every 1m',  'UTC', 'apply_pending_events', '{}',            'sweeps'),
    ('decay_scores',         '30 3 * * *', 'UTC', 'decay_scores',         '{}',            'sweeps'),
    ('stream_date_entries',  '10 0 * * *', 'UTC', 'stream_date_entries',  '{}',            'sweeps'),
    ('experiments_promote',  '0 1 * * *',  'UTC', 'experiments_promote',  '{}',            'sweeps');
