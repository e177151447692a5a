// The SQL of bulk job actions: a chosen batch of ids retried, cancelled or deleted if still in the state they were chosen in.
import EbbflowCore

/// Each statement takes $1 the ids a batch chose and $2 the state they were chosen in, locks
/// those rows by primary key `FOR UPDATE SKIP LOCKED` (a row a worker is claiming is left
/// alone, never waited for) and acts only on rows still in that state: a job that moved on
/// meanwhile is skipped, and the caller counts it so. At most 1,000 ids a statement.
extension QueueSQL {

    private var pickWaiting: String {
        "SELECT id FROM \(jobs) WHERE id = ANY($1::int8[]) AND state = $2::text::\(schema.qualified("job_state")) FOR UPDATE SKIP LOCKED"
    }

    /// Scheduled or retryable jobs made available now ($3, the clock): they keep their
    /// attempts and errors. Returns the ids and queues moved (the caller notifies the queues).
    var bulkMakeAvailable: String {
        """
        WITH picked AS (\(pickWaiting))
        UPDATE \(jobs) j SET state = 'available', run_at = $3 FROM picked WHERE j.id = picked.id
        RETURNING j.id, j.queue
        """
    }

    /// Waiting jobs moved to `finished_jobs` as cancelled at $3, as `QueueSQL.cancel` does one.
    var bulkCancel: String {
        """
        WITH picked AS (\(pickWaiting)),
        done AS (DELETE FROM \(jobs) WHERE id IN (SELECT id FROM picked) RETURNING *)
        INSERT INTO \(finished) (id, state, queue, kind, args, priority, run_at, attempt, max_attempts, errors,
                                 unique_key, created_at, attempted_at, finished_at, finished_by, subject)
        SELECT id, 'cancelled', queue, kind, args, priority, run_at, attempt, max_attempts, errors,
               unique_key, created_at, attempted_at, $3, NULL, subject
        FROM done
        RETURNING id
        """
    }

    /// Waiting jobs deleted outright (no history kept).
    var bulkDeleteWaiting: String {
        "DELETE FROM \(jobs) WHERE id IN (\(pickWaiting)) RETURNING id"
    }

    /// Finished jobs deleted (what the pruner does later anyway).
    var bulkDeleteFinished: String {
        """
        DELETE FROM \(finished) WHERE id IN (
            SELECT id FROM \(finished) WHERE id = ANY($1::int8[]) AND state = $2::text::\(schema.qualified("job_state")) FOR UPDATE SKIP LOCKED)
        RETURNING id
        """
    }

    /// The highest job id, finished or not: two backward probes of the primary keys.
    var highestID: String {
        "SELECT greatest((SELECT max(id) FROM \(jobs)), (SELECT max(id) FROM \(finished)), 0)::int8 AS id"
    }
}
