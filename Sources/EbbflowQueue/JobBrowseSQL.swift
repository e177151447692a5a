// The SQL of the dashboard's Jobs reads: bounded keyset scans per state tab, capped counts, queue health.
import EbbflowCore

/// Statements for `JobStore+Browse`. Each is bounded whatever the tables hold: a tab's page
/// reads at most the scan limit of index-ordered rows past its cursor, and finished counts
/// stop at a cap (River UI's capped counts). None needs an index the queue does not already
/// have: indexes on `jobs` and `finished_jobs` cost every enqueue, claim and completion.
///
/// Parameters, numbered after the cursor's (k of them: 1 for the id order, 3 for the claim
/// order, 2 for the finished order): $k+1 scan limit, $k+2 state, $k+3 queue (NULL: any),
/// $k+4 kind (NULL: any), $k+5 highest id, $k+6 match limit.
struct JobBrowseSQL: Sendable {
    let schema: SchemaName
    let jobs: String
    let finished: String

    init(schema: SchemaName) {
        self.schema = schema
        jobs = schema.qualified("jobs")
        finished = schema.qualified("finished_jobs")
    }

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
    /// `columns` are what it selects; `tail` bounds it (by default `LIMIT` the scan limit).
    func scan(_ order: JobTab.Order, columns: String = "*", tail: String? = nil) -> String {
        let limit = "$\(Self.cursorCount(order) + 1)"
        let tail = tail ?? "LIMIT \(limit)"
        return switch order {
        case .id:
            "SELECT \(columns) FROM \(jobs) WHERE state = 'running' AND id > $1 ORDER BY id \(tail)"
        case .claim:
            """
            SELECT \(columns) FROM \(jobs)
            WHERE state IN ('scheduled', 'available', 'retryable')
              AND (priority, run_at, id) > ($1::smallint, $2::timestamptz, $3::bigint)
            ORDER BY priority, run_at, id \(tail)
            """
        case .finished:
            """
            SELECT \(columns) FROM \(finished)
            WHERE state = $4::text::\(schema.qualified("job_state"))
              AND finished_at <= $1::timestamptz AND (finished_at < $1::timestamptz OR id < $2::bigint)
            ORDER BY finished_at DESC, id DESC \(tail)
            """
        }
    }

    static func orderBy(_ order: JobTab.Order) -> String {
        switch order {
        case .id: "id"
        case .claim: "priority, run_at, id"
        case .finished: "finished_at DESC, id DESC"
        }
    }

    /// Up to the match limit of the scanned rows that pass the filters, in the tab's order.
    /// The scan is a subquery, not a materialized CTE, so the executor pulls it lazily: it
    /// stops at the match limit when matches are many, or at the scan limit when they are few.
    func page(_ order: JobTab.Order) -> String {
        let k = Self.cursorCount(order)
        let columns = order == .finished ? QueueSQL.finishedColumns : QueueSQL.columns
        return """
            SELECT \(columns) FROM (\(scan(order))) s
            WHERE \(Self.filters(k))
            ORDER BY \(Self.orderBy(order)) LIMIT $\(k + 6)
            """
    }

    /// The state, queue, kind and highest-id filters on scanned rows `s`.
    static func filters(_ k: Int) -> String {
        """
        s.state::text = $\(k + 2) AND ($\(k + 3)::text IS NULL OR s.queue = $\(k + 3))
          AND ($\(k + 4)::text IS NULL OR s.kind = $\(k + 4)) AND s.id <= $\(k + 5)
        """
    }

    /// The scanned rows that pass the filters, counted to at most the match limit: the
    /// confirmation page's count, lazy like `page`.
    func countMatching(_ order: JobTab.Order) -> String {
        let k = Self.cursorCount(order)
        return """
            SELECT count(*) AS n FROM (
                SELECT 1 FROM (\(scan(order, columns: "id, state, queue, kind"))) s
                WHERE \(Self.filters(k)) LIMIT $\(k + 6)) m
            """
    }

    /// The key of the scan limit's row (OFFSET over the same index range, index-only for the
    /// claim order): where a stopped scan continues. No row: the scan reached the end.
    /// Bindings: the cursor, the scan limit, and (finished order) the state.
    func lastScanned(_ order: JobTab.Order) -> String {
        let k = Self.cursorCount(order)
        let keys: String =
            switch order {
            case .id: "0 AS priority, NULL::timestamptz AS at, id"
            case .claim: "priority, run_at AS at, id"
            case .finished: "0 AS priority, finished_at AS at, id"
            }
        return scan(order, columns: keys, tail: "OFFSET $\(k + 1) - 1 LIMIT 1")
    }

    /// Finished jobs per state, each counted to at most $1 rows: index-only scans of
    /// `finished_jobs_prune`'s (state) prefix.
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
