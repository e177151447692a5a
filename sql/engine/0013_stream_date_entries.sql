-- 0017: streams entered on a date attribute (a birthday, with an offset in days) are entered by
-- a daily job that finds the contacts whose date falls on that day
-- (EbbflowEngine/StreamDateEntries.swift).
INSERT INTO schedules (name, cron, time_zone, kind, args, queue, next_run_at)
VALUES ('stream_date_entries', '10 0 * * *', 'UTC', 'stream_date_entries', '{}', 'sweeps',
        date_trunc('day', clock_now()) + CASE WHEN clock_now() < date_trunc('day', clock_now()) + interval '10 minutes'
                                               THEN interval '10 minutes' ELSE interval '1 day 10 minutes' END)
ON CONFLICT (name) DO NOTHING;
