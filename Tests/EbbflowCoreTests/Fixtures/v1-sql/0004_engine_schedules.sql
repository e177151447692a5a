-- 0004: the engine's recurring sweeps, installed with the schema (see `ebbflow schedules list`).
-- The inactivity sweep runs daily at 03:00 UTC; its first tick is the next 03:00 by the clock.
INSERT INTO schedules (name, cron, time_zone, kind, args, queue, next_run_at)
VALUES ('inactivity_sweep', '0 3 * * *', 'UTC', 'sweep_inactivity', '{"cursor": 0}', 'sweeps',
        date_trunc('day', clock_now()) + CASE WHEN clock_now() < date_trunc('day', clock_now()) + interval '3 hours'
                                               THEN interval '3 hours' ELSE interval '27 hours' END)
ON CONFLICT (name) DO NOTHING;
