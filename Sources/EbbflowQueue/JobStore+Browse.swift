// The dashboard's reads of the queue: a state tab's keyset page, counts by state, queue health, a job's detail.
import EbbflowCore
import Foundation
import PostgresClient

extension JobStore {
    /// The largest page a tab serves.
    public static let maximumPageSize = 100
    /// Index rows a page may read past its cursor: a filter that matches few jobs gives a
    /// short page with a cursor to continue, rather than a scan of every finished job.
    public static let defaultScanLimit = 50_000
    /// Where a finished count stops (shown "100,000+").
    public static let defaultCountCap = 100_000

    /// One page of a state tab after `cursor` (nil: the first page), at most `limit` jobs
    /// (1...100) matching `filter`, and only ids up to `maxID` when given. Reads at most
    /// `scanLimit` index rows (`QueueSQL.browseScan`); when they hold fewer matches than a page,
    /// the page says so (`scanStopped`) and `next` continues after the last row read. Run it
    /// in one read-only transaction with anything it is shown beside.
    public func browse(
        _ filter: JobFilter, after cursor: JobCursor? = nil, limit: Int = JobStore.maximumPageSize,
        maxID: Int64? = nil, scanLimit: Int = JobStore.defaultScanLimit, on connection: isolated PGConnection
    ) throws -> JobBrowsePage {
        guard (1...Self.maximumPageSize).contains(limit) else {
            throw QueueError.invalid("page size must be 1...\(Self.maximumPageSize), got \(limit)")
        }
        guard (1...1_000_000).contains(scanLimit) else {
            throw QueueError.invalid("scan limit must be 1...1000000, got \(scanLimit)")
        }
        if let cursor, cursor.tab != filter.tab {
            throw QueueError.invalid("the cursor belongs to the \(cursor.tab.rawValue) tab, not \(filter.tab.rawValue)")
        }
        return try scanPage(filter, after: cursor, limit: limit, maxID: maxID, scanLimit: scanLimit, on: connection)
    }

    /// `browse` without the page-size bound: bulk actions take batches of 1,000 this way.
    func scanPage(
        _ filter: JobFilter, after cursor: JobCursor?, limit: Int, maxID: Int64?, scanLimit: Int,
        on connection: isolated PGConnection
    ) throws -> JobBrowsePage {
        let order = filter.tab.order
        let bindings: PGBindings =
            Self.cursorBindings(cursor, order: order)
            + [scanLimit, filter.tab.rawValue, filter.queue, filter.kind, maxID ?? Int64.max, limit + 1]
        var jobs: [JobRow] = []
        var lastScanned: JobRow?
        let finished = filter.tab.isFinished
        let rows = try connection.query(sql.browsePage(order), bindings).rows
        for (n, row) in try rows.map({ (try $0.decode("n", as: Int.self), $0) }).sorted(by: { $0.0 < $1.0 }) {
            if try row.decode("matches", as: Bool.self) { jobs.append(try JobRow(row, finished: finished)) }
            if n == scanLimit { lastScanned = try JobRow(row, finished: finished) }
        }
        if jobs.count > limit {
            jobs.removeLast(jobs.count - limit)
            return JobBrowsePage(
                jobs: jobs, next: JobCursor(after: jobs[limit - 1], tab: filter.tab), scanStopped: false, scanned: nil)
        }
        // A short page: the index range ended, or the scan stopped at its limit (its last row came back).
        guard let lastScanned else { return JobBrowsePage(jobs: jobs, next: nil, scanStopped: false, scanned: nil) }
        return JobBrowsePage(
            jobs: jobs, next: JobCursor(after: lastScanned, tab: filter.tab), scanStopped: true, scanned: scanLimit)
    }

    /// The cursor's bindings, or the start of the order: before every row (priority -32768
    /// at -infinity, id 0 for the claim order; +infinity and the largest id, descending).
    static func cursorBindings(_ cursor: JobCursor?, order: JobTab.Order) -> PGBindings {
        switch order {
        case .id: [cursor?.id ?? 0]
        case .claim:
            [cursor?.priority ?? Int(Int16.min), cursor?.time ?? Date.distantPast, cursor?.id ?? 0]
        case .finished: [cursor?.time ?? Date.distantFuture, cursor?.id ?? Int64.max]
        }
    }

    /// Jobs by state: unfinished exact by queue (optionally one `queue`); finished capped at
    /// `cap` per state, or, for one queue, counted among the newest `cap` of each state
    /// (`capped` then means more jobs of the state exist beyond those, so the count is a
    /// lower bound). One snapshot when run in the caller's transaction.
    public func counts(queue: String? = nil, cap: Int = JobStore.defaultCountCap, on connection: isolated PGConnection)
        throws -> JobCounts
    {
        guard (1...1_000_000).contains(cap) else {
            throw QueueError.invalid("count cap must be 1...1000000, got \(cap)")
        }
        if let queue { _ = try JobFilter(tab: .completed, queue: queue) }
        let now = try self.now(on: connection)
        // `jobs` holds only unfinished work: a sequential scan of the small live table.
        let live = try connection.query(sql.depth).rows.map {
            LiveJobCount(queue: try $0.decode("queue"), state: try $0.decode("state"), jobs: try $0.decode("jobs"))
        }.filter { queue == nil || $0.queue == queue }.sorted { ($0.queue, $0.state) < ($1.queue, $1.state) }
        let totals = try connection.query(sql.finishedCounts, [cap + 1]).first!
        var finished: [String: CappedCount] = [:]
        if let queue {
            let ofQueue = try connection.query(sql.finishedCountsOfQueue, [cap, queue]).first!
            for state in ["completed", "discarded", "cancelled"] {
                let total: Int = try totals.decode(state)
                finished[state] = CappedCount(value: try ofQueue.decode(state), capped: total > cap)
            }
        } else {
            for state in ["completed", "discarded", "cancelled"] {
                finished[state] = CappedCount(counted: try totals.decode(state), cap: cap)
            }
        }
        return JobCounts(now: now, live: live, finished: finished)
    }

    /// Each queue's backlog, the age of its oldest due job (by the database clock, read once)
    /// and the jobs discarded in the last 24 hours, capped.
    public func health(cap: Int = JobStore.defaultCountCap, on connection: isolated PGConnection) throws -> QueueHealth
    {
        guard (1...1_000_000).contains(cap) else {
            throw QueueError.invalid("count cap must be 1...1000000, got \(cap)")
        }
        let now = try self.now(on: connection)
        var rows: [String: QueueHealthRow] = [:]
        func row(_ queue: String) -> QueueHealthRow {
            rows[queue] ?? QueueHealthRow(queue: queue, available: 0, scheduled: 0, retryable: 0, running: 0)
        }
        // The live table, small: a sequential scan grouped by queue and state.
        for line in try connection.query(sql.depth).rows {
            let queue: String = try line.decode("queue")
            var entry = row(queue)
            let jobs: Int = try line.decode("jobs")
            switch try line.decode("state", as: String.self) {
            case "available": entry.available = jobs
            case "scheduled": entry.scheduled = jobs
            case "retryable": entry.retryable = jobs
            case "running": entry.running = jobs
            default: break
            }
            rows[queue] = entry
        }
        // Due rows of `jobs_claimable`, which includes the queue: an index-only scan.
        for line in try connection.query(sql.oldestAvailable, [now]).rows {
            let queue: String = try line.decode("queue")
            var entry = row(queue)
            entry.oldestDueSeconds = max(0, now.timeIntervalSince(try line.decode("oldest", as: Date.self)))
            rows[queue] = entry
        }
        let day = now.addingTimeInterval(-86_400)
        let discarded: Int = try connection.query(sql.discardedSince, [day, cap + 1]).first!
            .decode("discarded")
        return QueueHealth(
            now: now, queues: rows.values.sorted { $0.queue < $1.queue },
            discardedLastDay: CappedCount(counted: discarded, cap: cap))
    }

    /// One job and its timeline (`JobTimeline`); nil for an unknown id. Two primary-key probes.
    public func detail(_ id: Int64, on connection: isolated PGConnection) throws -> JobDetail? {
        guard let job = try find(id, on: connection) else { return nil }
        return JobDetail(job: job, timeline: JobTimeline.entries(of: job))
    }
}
