-- 0018: experiments are judged once a day, and a variant that meets the promotion rule becomes
-- its step's template (EbbflowEngine/ExperimentPromotion.swift). Disabling the schedule
-- (`ebbflow schedules disable experiments_promote`) turns automatic promotion off;
-- `ebbflow experiments promote` still works by hand.
INSERT INTO schedules (name, cron, time_zone, kind, args, queue, next_run_at)
VALUES ('experiments_promote', '0 1 * * *', 'UTC', 'experiments_promote', '{}', 'sweeps',
        date_trunc('day', clock_now()) + CASE WHEN clock_now() < date_trunc('day', clock_now()) + interval '1 hour'
                                               THEN interval '1 hour' ELSE interval '25 hours' END)
ON CONFLICT (name) DO NOTHING;
