-- queue 0007: rate limits, a token bucket per limited queue that the claim itself reads and debits.
--
-- Why in the claim: a limit that every worker process must respect is only as good as the one
-- place they all pass through. The claim (EbbflowQueue/QueueSQL.swift) locks the buckets of the
-- limited queues it names, refills them by the database clock, takes at most the whole tokens
-- there are, and writes back what is left, in the same statement that marks the jobs running:
-- two workers cannot spend one token, and a job retried, snoozed or rescued is counted when it
-- is claimed again, like any other. A queue without a row here pays for one probe of this
-- table's primary key and is claimed exactly as before.
--
-- A bucket holds `tokens` as of `updated_at` (the database clock); it refills at `rate` tokens
-- a second and holds at most `burst`. `burst` below 2 means one job at a time, so that any
-- one-second window holds at most the limit plus one job (a 14/s limit starts 14 or 15 jobs in
-- every second, never 28 after an idle spell); only above 38 jobs a second does a claim take
-- several at once, at most 50 ms worth (a window then holds at most 5 % more than the limit).
-- `ebbflow queues limit` writes the row and `--clear` deletes it; running workers see either
-- at their next claim.
CREATE TABLE queue_limits (
    queue      text PRIMARY KEY CHECK (queue <> ''),
    jobs       integer NOT NULL CHECK (jobs BETWEEN 1 AND 100000),
    period_seconds integer NOT NULL CHECK (period_seconds IN (1, 60)),
    rate       double precision GENERATED ALWAYS AS (jobs::double precision / period_seconds) STORED,
    burst      double precision GENERATED ALWAYS AS (greatest(1.9, jobs::double precision / period_seconds / 20)) STORED,
    tokens     double precision NOT NULL CHECK (tokens >= 0),
    updated_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL
);
