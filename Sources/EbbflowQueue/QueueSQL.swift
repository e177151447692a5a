// Every SQL statement of the job queue, in one place, qualified with the configured schema.
import EbbflowCore

/// The queue's SQL. Each statement takes the transaction's clock reading (`now`) as a
/// parameter rather than calling `clock_now()` per row; leases use the server's real time,
/// because they detect dead processes, which a frozen simulation clock must not hide.
struct QueueSQL: Sendable {
    let schema: SchemaName
    let jobs: String
    let finished: String
    /// Rate limits: one token bucket per limited queue (sql/queue/0007).
    let limits: String
    /// NOTIFY channel on which enqueues announce due work; the payload is the queue name.
    let channel: String

    init(schema: SchemaName) {
        self.schema = schema
        jobs = schema.qualified("jobs")
        finished = schema.qualified("finished_jobs")
        limits = schema.qualified("queue_limits")
        channel = "\(schema.name)_jobs"
    }

    static let columns = """
        id, state::text AS state, queue, kind, args, priority, run_at, attempt, max_attempts, errors,
        unique_key, created_at, attempted_at, locked_by
        """

    static let finishedColumns = """
        id, state::text AS state, queue, kind, args, priority, run_at, attempt, max_attempts, errors,
        unique_key, created_at, attempted_at, finished_at, finished_by
        """

    /// $1 queue, $2 kind, $3 args, $4 priority, $5 max_attempts, $6 run_at (nullable),
    /// $7 delay seconds, $8 unique key, $9 channel, $10 subject. Notifies only when the job is due now.
    var enqueue: String {
        """
        WITH t AS (SELECT \(schema.qualified("clock_now"))() AS now),
        ins AS (
            INSERT INTO \(jobs) (state, queue, kind, args, priority, max_attempts, run_at, unique_key, created_at, subject)
            SELECT CASE WHEN coalesce($6, t.now + make_interval(secs => $7)) > t.now THEN 'scheduled' ELSE 'available' END::\(schema.qualified("job_state")),
                   $1, $2, $3::jsonb, $4, $5, coalesce($6, t.now + make_interval(secs => $7)), $8, t.now, $10::text
            FROM t
            ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING
            RETURNING id, state
        )
        SELECT id, (SELECT pg_notify($9, $1) FROM ins WHERE state = 'available') IS NOT NULL AS notified FROM ins
        """
    }

    var existingByUniqueKey: String { "SELECT id FROM \(jobs) WHERE unique_key = $1" }

    /// Many jobs in one statement from parallel arrays: $1 queues, $2 kinds, $3 args (json
    /// text), $4 priorities, $5 max attempts, $6 delays (seconds), $7 unique keys (nullable),
    /// $8 run times (nullable: now plus the delay), $9 subjects (nullable).
    var enqueueMany: String {
        """
        WITH t AS (SELECT \(schema.qualified("clock_now"))() AS now),
        ins AS (
            INSERT INTO \(jobs) (state, queue, kind, args, priority, max_attempts, run_at, unique_key, created_at, subject)
            SELECT CASE WHEN coalesce(u.run_at, t.now + make_interval(secs => u.delay)) > t.now THEN 'scheduled' ELSE 'available' END
                       ::\(schema.qualified("job_state")),
                   u.queue, u.kind, u.args::jsonb, u.priority, u.max_attempts, coalesce(u.run_at, t.now + make_interval(secs => u.delay)),
                   u.unique_key, t.now, u.subject
            FROM t, unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::int8[], $6::float8[], $7::text[], $8::timestamptz[],
                           $9::text[])
                 AS u(queue, kind, args, priority, max_attempts, delay, unique_key, run_at, subject)
            ORDER BY u.unique_key  -- one insertion order, so two batches with shared keys cannot deadlock
            ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING
            RETURNING id, state, queue
        )
        SELECT count(*) AS inserted, min(id) AS first_id, max(id) AS last_id,
               coalesce(array_agg(DISTINCT queue) FILTER (WHERE state = 'available'), '{}') AS due_queues
        FROM ins
        """
    }

    /// COPY target for bulk loads without unique keys.
    var copyJobs: String {
        "COPY \(jobs) (state, queue, kind, args, priority, max_attempts, run_at, created_at) FROM STDIN"
    }

    var notifyQueues: String { "SELECT pg_notify($1, q) FROM unnest($2::text[]) AS q" }

    /// Claims up to $3 due jobs from queues $1 for worker $4 at business time $2 (NULL: the
    /// database clock, read here so a claim is one round trip), leasing them for $5 seconds
    /// of real time; each row carries the business time as `claimed_at`. SKIP LOCKED:
    /// concurrent workers never wait on each other and never take the same row.
    ///
    /// Rate limits (sql/queue/0007) are kept here, in the same statement: the buckets of the
    /// limited queues among $1 are locked (in queue order, so two claims cannot deadlock),
    /// refilled by the clock, and each limited queue gives at most its whole tokens (a
    /// nanotoken of slack, so that float dust cannot hold back a token that is due); what the
    /// claim took is debited before the statement ends. A job of a limited queue is stamped
    /// (`attempted_at`) with its bucket's time, which never goes back, so the jobs started in
    /// any window are exactly those the bucket paid for in it. Unlimited queues are picked as
    /// before, minus the limited ones: named by an array (`queue = ANY(ARRAY(…))`), because a
    /// `queue <> ALL(…)` filter made the generic plan sort every claimable row instead of
    /// walking `jobs_claimable` in order (48 ms instead of 0.2 ms a claim at 20,000 jobs). The statement always returns at least one row: with no
    /// job claimed, one row of NULL job columns carries `throttled_queues` and
    /// `throttled_waits` (seconds until each drained bucket holds a whole token again), which
    /// the worker waits out instead of claiming again (`QueueThrottle`), and `clock_now`.
    var claim: String { claimStatement(kindFilter: "") }

    /// The claim restricted to kinds $6: tops a claim up to whole chunks of a chunk kind.
    var claimKinds: String { claimStatement(kindFilter: " AND kind = ANY($6)") }

    /// The claim as it was before rate limits, for claims that name no limited queue (the
    /// worker knows which are, `QueueLimitWatch`): no bucket, one pick, no result row when
    /// nothing is claimed. Unlimited queues then pay nothing for the limits (18,000 against
    /// 8,300 jobs/s a connection through the metered claim, docs/benchmarks.md).
    var claimUnmetered: String { unmeteredClaimStatement(kindFilter: "") }

    /// `claimUnmetered` restricted to kinds $6 (a chunk's top-up).
    var claimKindsUnmetered: String { unmeteredClaimStatement(kindFilter: " AND kind = ANY($6)") }

    private func unmeteredClaimStatement(kindFilter: String) -> String {
        """
        WITH RECURSIVE clock AS MATERIALIZED (SELECT coalesce($2::timestamptz, \(DatabaseClock.nowExpression(schema: schema))) AS now),
        \(claimablePriorities),
        picked AS (
            \(duePerPriority(queueFilter: "queue = ANY($1)", kindFilter: kindFilter, limit: "$3"))
        )
        UPDATE \(jobs) j
        SET state = 'running', attempt = j.attempt + 1, locked_by = $4, attempted_at = (SELECT now FROM clock),
            lease_expires_at = pg_catalog.now() + make_interval(secs => $5)
        WHERE j.ctid = ANY(ARRAY(SELECT ctid FROM picked))
        RETURNING j.id, j.state::text AS state, j.queue, j.kind, j.args, j.priority, j.run_at, j.attempt, j.max_attempts,
                  j.errors, j.unique_key, j.created_at, j.attempted_at, j.locked_by, (SELECT now FROM clock) AS claimed_at
        """
    }

    /// The priorities that have claimable rows, one index descent each (a loose index scan
    /// over `jobs_claimable`, whose leading column is the priority).
    ///
    /// Why: the claim's order is (priority, run_at, id), and `run_at <= now` bounds the walk of
    /// `jobs_claimable` only within one priority. Walked across priorities, a claim that finds
    /// fewer due jobs than it asks for reads every future-dated row to the end of the index:
    /// with 2,000,000 jobs scheduled 30–90 days ahead (a million contacts' cooldowns), each such
    /// claim took 104 ms instead of 0.5 ms (EXPLAIN ANALYZE, docs/benchmarks.md "Issue 20").
    /// PostgreSQL 15 has no skip scan, so the claim visits each priority by equality, where the
    /// walk stops at the first row not yet due. Priorities are a small set in practice (every
    /// engine job has 0), so this costs one or two descents.
    private var claimablePriorities: String {
        let claimable = "state IN ('scheduled', 'available', 'retryable')"
        return """
            priorities AS (
                SELECT min(priority) AS priority FROM \(jobs) WHERE \(claimable)
                UNION ALL
                SELECT (SELECT min(priority) FROM \(jobs) WHERE \(claimable) AND priority > p.priority)
                FROM priorities p WHERE p.priority IS NOT NULL
            )
            """
    }

    /// Up to `limit` due rows in claim order, locked with SKIP LOCKED, found priority by
    /// priority (`claimablePriorities`). Each priority may lock up to `limit` rows and the
    /// outer LIMIT keeps the first; the others are unlocked when the claim's own transaction
    /// ends with this statement, so at worst a concurrent claim skips them for that moment.
    private func duePerPriority(queueFilter: String, kindFilter: String, limit: String) -> String {
        """
        SELECT due.ctid, due.queue, due.priority, due.run_at, due.id
                FROM priorities p CROSS JOIN LATERAL (
                    SELECT ctid, queue, priority, run_at, id FROM \(jobs)
                    WHERE state IN ('scheduled', 'available', 'retryable') AND priority = p.priority
                      AND run_at <= (SELECT now FROM clock) AND \(queueFilter)\(kindFilter)
                    ORDER BY run_at, id
                    LIMIT \(limit)
                    FOR UPDATE SKIP LOCKED
                ) due
                ORDER BY due.priority, due.run_at, due.id
                LIMIT \(limit)
        """
    }

    private func claimStatement(kindFilter: String) -> String {
        """
        WITH RECURSIVE clock AS MATERIALIZED (SELECT coalesce($2::timestamptz, \(DatabaseClock.nowExpression(schema: schema))) AS now),
        bucket AS MATERIALIZED (
            SELECT l.queue, l.rate,
                   CASE WHEN c.now < l.updated_at - interval '1 second' THEN c.now ELSE greatest(l.updated_at, c.now) END AS at,
                   least(l.burst, l.tokens + l.rate * greatest(0, extract(epoch FROM c.now - l.updated_at))::float8) AS tokens
            FROM \(limits) l CROSS JOIN clock c
            WHERE l.queue = ANY($1)
            ORDER BY l.queue
            FOR UPDATE OF l
        ),
        \(claimablePriorities),
        picked AS (
            \(duePerPriority(
                    queueFilter: "queue = ANY (ARRAY(SELECT q FROM unnest($1::text[]) AS q WHERE q <> ALL (ARRAY(SELECT queue FROM bucket))))",
                    kindFilter: kindFilter, limit: "$3"))
        ),
        metered AS (
            SELECT m.* FROM bucket b CROSS JOIN LATERAL (
                \(duePerPriority(queueFilter: "queue = b.queue", kindFilter: kindFilter, limit: "least($3, floor(b.tokens + 1e-9)::int8)"))
            ) m
        ),
        chosen AS (
            SELECT ctid, queue FROM (SELECT * FROM picked UNION ALL SELECT * FROM metered) c
            ORDER BY priority, run_at, id
            LIMIT $3
        ),
        claimed AS (
            UPDATE \(jobs) j
            SET state = 'running', attempt = j.attempt + 1, locked_by = $4,
                attempted_at = coalesce((SELECT at FROM bucket WHERE bucket.queue = j.queue), (SELECT now FROM clock)),
                lease_expires_at = pg_catalog.now() + make_interval(secs => $5)
            WHERE j.ctid = ANY(ARRAY(SELECT ctid FROM chosen))
            RETURNING j.id, j.state::text AS state, j.queue, j.kind, j.args, j.priority, j.run_at, j.attempt, j.max_attempts,
                      j.errors, j.unique_key, j.created_at, j.attempted_at, j.locked_by, (SELECT now FROM clock) AS claimed_at
        ),
        debited AS (
            UPDATE \(limits) l SET tokens = greatest(0, b.tokens - (SELECT count(*) FROM chosen c WHERE c.queue = b.queue)), updated_at = b.at
            FROM bucket b WHERE l.queue = b.queue
            RETURNING l.queue, l.tokens, l.rate
        )
        SELECT claimed.*, w.throttled_queues, w.throttled_waits, (SELECT now FROM clock) AS clock_now
        FROM (
            SELECT array_agg(queue ORDER BY queue) FILTER (WHERE tokens + 1e-9 < 1) AS throttled_queues,
                   array_agg((1 - tokens) / rate ORDER BY queue) FILTER (WHERE tokens + 1e-9 < 1) AS throttled_waits
            FROM debited
        ) w
        LEFT JOIN claimed ON true
        """
    }

    /// Tables of this schema that outgrew their statistics, analyzed now (sql/queue/0003): $1 minimum
    /// pages, $2 growth factor.
    var refreshOutgrownStatistics: String {
        "SELECT table_name AS table, analyzed FROM \(schema.qualified("refresh_outgrown_statistics"))($1::int8, $2::float8)"
    }

    /// Whose rights the statistics function runs with (SECURITY DEFINER, sql/queue/0008): named
    /// when PostgreSQL skipped an ANALYZE it asked for.
    var statisticsFunctionOwner: String {
        """
        SELECT pg_catalog.pg_get_userbyid(p.proowner) AS owner FROM pg_catalog.pg_proc p
        WHERE p.oid = '\(schema.qualified("refresh_outgrown_statistics"))(bigint, float8)'::regprocedure
        """
    }

    /// Moves finished rows out of `jobs`: $1 ids, $2 worker (NULL: any), $3 now, $4 final
    /// state, $5 error to append (NULL: none). Only rows this worker still holds are moved.
    var finish: String {
        """
        WITH done AS (
            DELETE FROM \(jobs)
            WHERE id = ANY($1) AND ($2::text IS NULL OR (state = 'running' AND locked_by = $2))
            RETURNING *
        )
        INSERT INTO \(finished) (id, state, queue, kind, args, priority, run_at, attempt, max_attempts, errors,
                                 unique_key, created_at, attempted_at, finished_at, finished_by, subject)
        SELECT id, $4::text::\(schema.qualified("job_state")), queue, kind, args, priority, run_at, attempt, max_attempts,
               CASE WHEN $5::jsonb IS NULL THEN errors ELSE errors || jsonb_build_array($5::jsonb) END,
               unique_key, created_at, attempted_at, coalesce($3::timestamptz, \(schema.qualified("clock_now"))()), $2, subject
        FROM done
        """
    }

    /// One job's completion that raises SQLSTATE EB001 when this worker no longer holds the
    /// job, so it can ride with COMMIT (sql/queue/0002): $1 id, $2 worker, $3 now. With history
    /// (`keepHistory`) the row moves to `finished_jobs`, else it is deleted.
    func completeOrRaise(keepHistory: Bool) -> String {
        let kept =
            keepHistory
            ? """
            , kept AS (
                INSERT INTO \(finished) (id, state, queue, kind, args, priority, run_at, attempt, max_attempts, errors,
                                         unique_key, created_at, attempted_at, finished_at, finished_by, subject)
                SELECT id, 'completed', queue, kind, args, priority, run_at, attempt, max_attempts, errors,
                       unique_key, created_at, attempted_at, $3::timestamptz, $2, subject
                FROM done
                RETURNING id
            )
            """ : ""
        return """
            WITH done AS (
                DELETE FROM \(jobs) WHERE id = $1 AND state = 'running' AND locked_by = $2::text RETURNING *
            )\(kept)
            SELECT CASE WHEN EXISTS (SELECT 1 FROM \(keepHistory ? "kept" : "done")) THEN $1
                        ELSE \(schema.qualified("job_lease_lost"))($1) END AS id
            """
    }

    /// Completion without history, for `--completed-retention 0`: the row is deleted, no copy
    /// is kept (about 15 % more transactional throughput: one heap insert and two index
    /// inserts fewer per job). $1 ids, $2 worker.
    var deleteCompleted: String {
        "DELETE FROM \(jobs) WHERE id = ANY($1) AND state = 'running' AND locked_by = $2"
    }

    /// A failed attempt that will run again: $1 id, $2 worker, $3 run_at, $4 error.
    var retry: String {
        """
        UPDATE \(jobs) SET state = 'retryable', run_at = $3, errors = errors || jsonb_build_array($4::jsonb),
               locked_by = NULL, lease_expires_at = NULL
        WHERE id = $1 AND state = 'running' AND locked_by = $2
        """
    }

    /// Run later without using an attempt: $1 id, $2 worker, $3 run_at.
    var snooze: String {
        """
        UPDATE \(jobs) SET state = 'scheduled', run_at = $3, attempt = attempt - 1, locked_by = NULL, lease_expires_at = NULL
        WHERE id = $1 AND state = 'running' AND locked_by = $2
        """
    }

    /// Hands unfinished work back at shutdown, the attempt not charged: $1 ids, $2 worker.
    var unclaim: String {
        """
        UPDATE \(jobs) SET state = 'available', attempt = greatest(attempt - 1, 0), locked_by = NULL, lease_expires_at = NULL
        WHERE id = ANY($1) AND state = 'running' AND locked_by = $2
        """
    }

    /// After the database went away: hands back the jobs worker $1 holds but does not run ($2,
    /// the ids it runs), the attempt not charged. They are a claim whose answer was lost with
    /// the connection: committed, its jobs held by a worker that never started them, they would
    /// otherwise wait for their leases to lapse. `jobs_running` finds the running rows.
    var unclaimAllBut: String {
        """
        UPDATE \(jobs) SET state = 'available', attempt = greatest(attempt - 1, 0), locked_by = NULL, lease_expires_at = NULL
        WHERE state = 'running' AND locked_by = $1 AND NOT (id = ANY($2))
        """
    }

    /// Extends by $2 seconds of real time the leases of jobs $3 that worker $1 still runs.
    /// Only those: a job whose end could not be recorded (the database was away) must let its
    /// lease lapse, so the rescuer runs it again.
    var heartbeat: String {
        """
        UPDATE \(jobs) SET lease_expires_at = pg_catalog.now() + make_interval(secs => $2)
        WHERE id = ANY($3) AND state = 'running' AND locked_by = $1
        """
    }

    /// Expired leases with attempts left go back to the queue ($1 now, $2 limit).
    var rescue: String {
        """
        WITH expired AS (
            SELECT id FROM \(jobs)
            WHERE state = 'running' AND lease_expires_at < pg_catalog.now() AND attempt < max_attempts
            ORDER BY lease_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
        )
        UPDATE \(jobs) j SET state = 'retryable', run_at = $1, locked_by = NULL, lease_expires_at = NULL,
               errors = j.errors || jsonb_build_array(jsonb_build_object(
                   'at', $1::timestamptz, 'attempt', j.attempt, 'kind', 'lease_expired',
                   'message', 'worker ' || j.locked_by || ' stopped renewing its lease'))
        FROM expired WHERE j.id = expired.id
        RETURNING j.id
        """
    }

    /// Expired leases with no attempts left ($1 limit).
    var expiredExhausted: String {
        """
        SELECT id, attempt FROM \(jobs)
        WHERE state = 'running' AND lease_expires_at < pg_catalog.now() AND attempt >= max_attempts
        ORDER BY lease_expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
        """
    }

    /// Deletes up to $3 finished jobs in state $1 older than $2.
    var prune: String {
        """
        DELETE FROM \(finished) WHERE id IN (
            SELECT id FROM \(finished) WHERE state = $1::text::\(schema.qualified("job_state")) AND finished_at < $2 LIMIT $3
        )
        """
    }

    var registerWorker: String {
        """
        INSERT INTO \(schema.qualified("workers")) (id, queues, concurrency) VALUES ($1, $2, $3)
        ON CONFLICT (id) DO UPDATE SET queues = excluded.queues, concurrency = excluded.concurrency,
            started_at = pg_catalog.now(), heartbeat_at = pg_catalog.now()
        """
    }

    var workerHeartbeat: String {
        "UPDATE \(schema.qualified("workers")) SET heartbeat_at = pg_catalog.now() WHERE id = $1"
    }
    var deregisterWorker: String { "DELETE FROM \(schema.qualified("workers")) WHERE id = $1" }
    var forgetDeadWorkers: String {
        "DELETE FROM \(schema.qualified("workers")) WHERE heartbeat_at < pg_catalog.now() - make_interval(secs => $1)"
    }

    // MARK: - Admin

    var showUnfinished: String { "SELECT \(Self.columns) FROM \(jobs) WHERE id = $1" }
    var showFinished: String { "SELECT \(Self.finishedColumns) FROM \(finished) WHERE id = $1" }

    /// $1 state (nullable), $2 queue (nullable), $3 kind (nullable), $4 limit, $5 only ids below (nullable: a keyset page).
    /// The cursor is a range bound even when absent (coalesce, not `$5 IS NULL OR`), so a generic
    /// plan of the prepared statement still walks the primary key instead of scanning the table.
    var listUnfinished: String {
        """
        SELECT \(Self.columns) FROM \(jobs)
        WHERE ($1::text IS NULL OR state::text = $1) AND ($2::text IS NULL OR queue = $2) AND ($3::text IS NULL OR kind = $3)
          AND id < coalesce($5::bigint, 9223372036854775807)
        ORDER BY id DESC LIMIT $4
        """
    }

    var listFinished: String {
        """
        SELECT \(Self.finishedColumns) FROM \(finished)
        WHERE ($1::text IS NULL OR state::text = $1) AND ($2::text IS NULL OR queue = $2) AND ($3::text IS NULL OR kind = $3)
          AND id < coalesce($5::bigint, 9223372036854775807)
        ORDER BY id DESC LIMIT $4
        """
    }

    /// Moves finished jobs back to the queue ($1 ids, $2 now); raises the attempt limit so
    /// the job gets one more run. A job whose unique key an unfinished job holds stays where it
    /// is, and of several with one key only the newest moves: the key admits one unfinished job.
    ///
    /// The insert comes first and skips a taken key (`ON CONFLICT … DO NOTHING`), and only the
    /// rows it inserted are deleted: a check-then-insert would fail the whole retry with 23505
    /// when an enqueue of the same key commits in between. The finished rows are locked first,
    /// so two retries of one job cannot both insert it.
    var retryFinished: String {
        """
        WITH locked AS (
            SELECT id FROM \(finished) WHERE id = ANY($1) AND state IN ('discarded', 'cancelled') FOR UPDATE
        ), chosen AS (
            SELECT DISTINCT ON (coalesce('k:' || f.unique_key, 'i:' || f.id)) f.*
            FROM \(finished) f JOIN locked USING (id)
            ORDER BY coalesce('k:' || f.unique_key, 'i:' || f.id), f.id DESC
        ), moved AS (
            INSERT INTO \(jobs) (id, state, queue, kind, args, priority, run_at, attempt, max_attempts, errors, unique_key, created_at,
                                subject)
            SELECT id, 'available', queue, kind, args, priority, $2, attempt, greatest(max_attempts, attempt + 1), errors, unique_key, created_at,
                   subject
            FROM chosen
            ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL DO NOTHING
            RETURNING id, queue
        ), removed AS (
            DELETE FROM \(finished) WHERE id IN (SELECT id FROM moved)
        )
        SELECT id, queue FROM moved
        """
    }

    /// The unfinished job holding a unique key ($1), if any.
    var holderOfUniqueKey: String { "SELECT id FROM \(jobs) WHERE unique_key = $1" }

    /// Cancels a job only if it has not started ($1 id, $2 now): one statement, so a worker
    /// cannot claim it between a check and the move.
    var cancel: String {
        """
        WITH done AS (
            DELETE FROM \(jobs) WHERE id = $1 AND state IN ('scheduled', 'available', 'retryable') RETURNING *
        )
        INSERT INTO \(finished) (id, state, queue, kind, args, priority, run_at, attempt, max_attempts, errors,
                                 unique_key, created_at, attempted_at, finished_at, finished_by, subject)
        SELECT id, 'cancelled', queue, kind, args, priority, run_at, attempt, max_attempts, errors,
               unique_key, created_at, attempted_at, $2, NULL, subject
        FROM done
        """
    }

    /// Moves pending jobs matching `condition` (a fixed predicate on $1) of kinds $2 to
    /// `finished_jobs` as cancelled at $3, with message $4 appended to their errors.
    func cancelPending(where condition: String) -> String {
        """
        WITH done AS (
            DELETE FROM \(jobs)
            WHERE \(condition) AND kind = ANY($2::text[]) AND state IN ('scheduled', 'available', 'retryable')
            RETURNING *
        )
        INSERT INTO \(finished) (id, state, queue, kind, args, priority, run_at, attempt, max_attempts, errors,
                                 unique_key, created_at, attempted_at, finished_at, finished_by, subject)
        SELECT id, 'cancelled', queue, kind, args, priority, run_at, attempt, max_attempts,
               errors || jsonb_build_array(jsonb_build_object('at', $3::timestamptz, 'attempt', attempt, 'kind', 'discarded', 'message', $4::text)),
               unique_key, created_at, attempted_at, $3, NULL, subject
        FROM done
        """
    }

    /// $1 kind (nullable), $2 limit.
    var discardedIDs: String {
        "SELECT id FROM \(finished) WHERE state = 'discarded' AND ($1::text IS NULL OR kind = $1) ORDER BY id LIMIT $2"
    }

    var statsByQueueAndState: String {
        """
        SELECT queue, state::text AS state, count(*) AS jobs, min(run_at) AS oldest_run_at FROM \(jobs) GROUP BY queue, state
        UNION ALL
        SELECT queue, state::text, count(*), NULL FROM \(finished) GROUP BY queue, state
        ORDER BY queue, state
        """
    }

    /// Unfinished jobs by queue and state: cheap (the hot table is small), for gauges.
    var depth: String { "SELECT queue, state::text AS state, count(*) AS jobs FROM \(jobs) GROUP BY queue, state" }

    var oldestAvailable: String {
        """
        SELECT queue, min(run_at) AS oldest FROM \(jobs)
        WHERE state IN ('scheduled', 'available', 'retryable') AND run_at <= $1 GROUP BY queue
        """
    }

    var counterIncrement: String {
        """
        INSERT INTO \(schema.qualified("counters")) (name, value) VALUES ($1, 1)
        ON CONFLICT (name) DO UPDATE SET value = \(schema.qualified("counters")).value + 1
        """
    }

    /// Rows are written in name order: concurrent chunks then lock shared rows in one order
    /// and queue behind each other. In a hash aggregate's order, which depends on the input's,
    /// 150 chunk slots over 100 rows deadlocked 47 times in 40 s and did not finish.
    var counterIncrementMany: String {
        """
        INSERT INTO \(schema.qualified("counters")) AS c (name, value)
        SELECT name, count(*) FROM unnest($1::text[]) AS name GROUP BY name ORDER BY name
        ON CONFLICT (name) DO UPDATE SET value = c.value + excluded.value
        """
    }
}
