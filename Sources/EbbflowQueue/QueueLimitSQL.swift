// The SQL of the rate limits' admin side: set, clear and list (the claim's half is QueueSQL.claim).
import EbbflowCore

extension QueueSQL {
    /// Sets queue $1's limit to $2 jobs per $3 seconds. A new bucket starts with one token; an
    /// existing one keeps its tokens and time, and the claim caps them at the new burst.
    /// Running workers of the queue are told on channel $4 (payload $5,
    /// `QueueLimitWatch.payload`): they meter their claims of it from their next one.
    /// Returns whether the row is new.
    var setLimit: String {
        """
        WITH upserted AS (
            INSERT INTO \(limits) (queue, jobs, period_seconds, tokens, updated_at, created_at)
            SELECT $1, $2, $3, 1, c.now, c.now FROM (SELECT \(schema.qualified("clock_now"))() AS now) c
            ON CONFLICT (queue) DO UPDATE SET jobs = excluded.jobs, period_seconds = excluded.period_seconds
            RETURNING (xmax = 0) AS created
        )
        SELECT created, pg_notify($4, $5) IS NOT NULL AS notified FROM upserted
        """
    }

    /// Removes queue $1's limit; its workers are woken ($2 channel, payload $3,
    /// `QueueLimitWatch.payload`), since they may be waiting out a token that no longer
    /// matters, and claim it unmetered from then on.
    var clearLimit: String {
        """
        WITH gone AS (DELETE FROM \(limits) WHERE queue = $1 RETURNING queue)
        SELECT queue, pg_notify($2, $3) IS NOT NULL AS notified FROM gone
        """
    }

    /// The queues among $1 that have a limit: the claims that must be metered
    /// (`QueueLimitWatch`). One probe of the primary key per queue.
    var limitedQueues: String {
        "SELECT queue FROM \(limits) WHERE queue = ANY($1::text[])"
    }

    /// Every queue that has unfinished jobs, a limit or a live worker: its unfinished jobs by
    /// state (due ones apart), the workers that name it, and its limit with the tokens its
    /// bucket holds now.
    var queueSummaries: String {
        """
        WITH clock AS (SELECT \(schema.qualified("clock_now"))() AS now),
        counts AS (
            SELECT queue,
                   count(*) FILTER (WHERE state <> 'running' AND run_at <= (SELECT now FROM clock)) AS due,
                   count(*) FILTER (WHERE state <> 'running' AND run_at > (SELECT now FROM clock)) AS later,
                   count(*) FILTER (WHERE state = 'running') AS running,
                   count(*) FILTER (WHERE state = 'retryable') AS retryable
            FROM \(jobs) GROUP BY queue
        ),
        served AS (
            SELECT q AS queue, count(*) AS workers FROM \(schema.qualified("workers")), unnest(queues) AS q GROUP BY q
        )
        SELECT queue, coalesce(c.due, 0) AS due, coalesce(c.later, 0) AS later, coalesce(c.running, 0) AS running,
               coalesce(c.retryable, 0) AS retryable, coalesce(s.workers, 0) AS workers,
               l.jobs AS limit_jobs, l.period_seconds AS limit_period, l.burst AS limit_burst,
               least(l.burst, l.tokens + l.rate * greatest(0, extract(epoch FROM (SELECT now FROM clock) - l.updated_at))::float8)
                   AS limit_tokens
        FROM counts c FULL JOIN \(limits) l USING (queue) FULL JOIN served s USING (queue)
        ORDER BY queue
        """
    }
}
