-- 0007: events inserted straight into engagement_events by another system are applied by the
-- `apply_pending_events` job, every minute (see Sources/EbbflowEngine/PendingEvents.swift).
-- Such rows need only external_id, kind, occurred_at and received_at; the rest has defaults.
ALTER TABLE engagement_events ALTER COLUMN received_at SET DEFAULT now();

INSERT INTO schedules (name, cron, time_zone, kind, args, queue, next_run_at)
VALUES ('apply_pending_events', '@every 1m', 'UTC', 'apply_pending_events', '{}', 'sweeps',
        date_trunc('minute', clock_now()) + interval '1 minute')
ON CONFLICT (name) DO NOTHING;
