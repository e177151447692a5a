// The SQL of the dashboard's Jobs reads: bounded keyset scans per state tab, capped counts, queue health.
import EbbflowCore

/// The statements of `JobStore+Browse`. Each is bounded whatever the tables hold: a tab's page
/// reads at most the scan limit of index-ordered rows past its cursor (measured: lazy plans,
/// no Sort above the scan, on 1,000,000 finished and 20,000 live jobs), and finished counts
/// stop at a cap (River UI's capped counts). None needs an index the queue does not already
/// have: indexes on `jobs` and `finished_jobs` cost every enqueue, claim and completion.
///
/// Parameters, numbered after the cursor's (k of them: 1 for the id order, 3 for the claim
/// order, 2 for the finished order): $k+1 scan limit, $k+2 state, $k+3 queue (NULL: any),
/// $k+4 kind (NULL: any), $k+5 highest id, $k+6 match limit.
extension QueueSQL {
    /// Cursor parameters of an order.
    static func cursorCount(_ order: JobTab.Order) -> Int {
        switch order {
        case .id: 1
        case .claim: 3
        case .finished: 2
        }
    }

    /// The index-ordered rows after the cursor, at most the scan limit.
    /// - id order (running): every running row through `jobs_running` (as many as the
    ///   workers' total concurrency), sorted by id.
    /// - claim order: `jobs_claimable (priority, run_at, id)` walked from the cursor by a row
    ///   comparison on all three key columns (an index condition, not a filter).
    /// - finished order: `finished_jobs_prune (state, finished_at)` walked backward from the
    ///   cursor's time; ties on `finished_at` are ordered by id in an incremental sort.
    func browseScan(_ order: JobTab.Order) -> String {
        let tail = "LIMIT $\(Self.cursorCount(order) + 1)"
        return switch order {
        case .id:
            "SELECT * FROM \(jobs) WHERE state = 'running' AND id > $1 ORDER BY id \(tail)"
        case .claim:
            """
            SELECT * FROM \(jobs)
            WHERE state IN ('scheduled', 'available', 'retryable')
              AND (priority, run_at, id) > ($1::smallint, $2::timestamptz, $3::bigint)
            ORDER BY priority, run_at, id \(tail)
            """
        case .finished:
            """
            SELECT * FROM \(finished)
            WHERE state = $4::text::\(schema.qualified("job_state"))
              AND finished_at <= $1::timestamptz AND (finished_at < $1::timestamptz OR id < $2::bigint)
            ORDER BY finished_at DESC, id DESC \(tail)
            """
        }
    }

    static func browseOrder(_ order: JobTab.Order, of table: String = "") -> String {
        switch order {
        case .id: "\(table)id"
        case .claim: "\(table)priority, \(table)run_at, \(table)id"
        case .finished: "\(table)finished_at DESC, \(table)id DESC"
        }
    }

    /// The scanned rows that pass the filters (`matches`), plus the scan's last row when it
    /// read the whole scan limit (`n` = the limit: where a stopped scan continues), at most
    /// the match limit + 1 rows, in the tab's order (`n` numbers the scan in it). The scan is
    /// a subquery, not a materialized CTE, and nothing above it sorts (the window's order is
    /// the scan's own, so the plan adds no Sort), so the executor pulls it lazily: it stops at
    /// the match limit when matches are many, or at the scan limit when they are few. Telling
    /// the two apart costs no second scan.
    func browseMarked(_ order: JobTab.Order, columns: String) -> String {
        let k = Self.cursorCount(order)
        return """
            SELECT \(columns) FROM (
                SELECT s.*, (\(Self.browseFilters(k))) AS matches,
                       row_number() OVER (ORDER BY \(Self.browseOrder(order, of: "s."))) AS n
                FROM (\(browseScan(order))) s
            ) m
            WHERE m.matches OR m.n = $\(k + 1)
            LIMIT $\(k + 6) + 1
            """
    }

    /// A page: the rows of `browseMarked` with every column of a job.
    func browsePage(_ order: JobTab.Order) -> String {
        browseMarked(
            order, columns: (order == .finished ? QueueSQL.finishedColumns : QueueSQL.columns) + ", matches, n")
    }

    /// The state, queue, kind and highest-id filters on scanned rows `s`.
    static func browseFilters(_ k: Int) -> String {
        """
        s.state::text = $\(k + 2) AND ($\(k + 3)::text IS NULL OR s.queue = $\(k + 3))
          AND ($\(k + 4)::text IS NULL OR s.kind = $\(k + 4)) AND s.id <= $\(k + 5)
        """
    }

    /// The scanned rows that pass the filters, counted to at most the match limit, and
    /// whether the scan read its whole limit (more may match beyond): a confirmation's count.
    func browseCount(_ order: JobTab.Order) -> String {
        let k = Self.cursorCount(order)
        return """
            SELECT count(*) FILTER (WHERE c.matches) AS matched, coalesce(bool_or(c.n = $\(k + 1)), false) AS stopped
            FROM (\(browseMarked(order, columns: "matches, n"))) c
            """
    }

    /// Finished jobs per state, each counted to at most $1 rows: an index-only scan of
    /// `finished_jobs_prune`'s (state) prefix, or, for a state that is most of the table
    /// (completed), a sequential scan the LIMIT stops after about $1 rows (measured at 1M rows).
    var finishedCounts: String {
        func count(_ state: String) -> String {
            "(SELECT count(*) FROM (SELECT 1 FROM \(finished) WHERE state = '\(state)' LIMIT $1) c) AS \(state)"
        }
        return "SELECT \(count("completed")), \(count("discarded")), \(count("cancelled"))"
    }

    /// Finished jobs of queue $2 per state among the newest $1 of that state
    /// (`finished_jobs_prune` backward, the queue checked on each row read).
    var finishedCountsOfQueue: String {
        func count(_ state: String) -> String {
            """
            (SELECT count(*) FILTER (WHERE queue = $2) FROM (
                SELECT queue FROM \(finished) WHERE state = '\(state)' ORDER BY finished_at DESC LIMIT $1) c) AS \(state)
            """
        }
        return "SELECT \(count("completed")), \(count("discarded")), \(count("cancelled"))"
    }

    /// Jobs discarded after $1, to at most $2: a range of `finished_jobs_prune` (state, finished_at), index-only.
    var discardedSince: String {
        """
        SELECT count(*) AS discarded FROM (
            SELECT 1 FROM \(finished) WHERE state = 'discarded' AND finished_at > $1 LIMIT $2) d
        """
    }
}
