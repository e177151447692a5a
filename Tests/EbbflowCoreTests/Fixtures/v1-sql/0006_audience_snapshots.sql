-- 0006: daily audience snapshots (counts per status and segment), so the audience's breathing
-- can be shown over time; taken by the `audience_snapshot` schedule just after midnight UTC.
CREATE TABLE audience_snapshots (
    taken_on date NOT NULL,
    segment  text NOT NULL,
    status   campaign_status NOT NULL,
    contacts integer NOT NULL,
    PRIMARY KEY (taken_on, segment, status)
);

INSERT INTO schedules (name, cron, time_zone, kind, args, queue, next_run_at)
VALUES ('audience_snapshot', '5 0 * * *', 'UTC', 'audience_snapshot', '{}', 'sweeps',
        date_trunc('day', clock_now()) + interval '1 day 5 minutes')
ON CONFLICT (name) DO NOTHING;
