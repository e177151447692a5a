-- 0014: a stream send whose goal event followed within the stream's window is credited once,
-- so the arbiter's estimates (stream_outcomes) count each send's conversion at most once.
ALTER TABLE sends ADD COLUMN goal_credited_at timestamptz, ADD COLUMN segment_at_send text, ADD COLUMN status_at_send text;
CREATE INDEX sends_uncredited ON sends (contact_id, at) WHERE goal_credited_at IS NULL AND status_at_send IS NOT NULL;
