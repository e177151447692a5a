// Bulk job actions for the dashboard: retry, cancel or delete one job or a batch of those matching a filter.
import EbbflowCore
import Foundation
import PostgresClient

/// What the dashboard can do to many jobs at once.
public enum JobBulkAction: String, Sendable, CaseIterable, Hashable {
    /// Discarded or cancelled: back in the queue (`JobStore.retryFinished`); scheduled or
    /// retryable: available now, the queue woken.
    case retry
    /// Waiting jobs (not running) finished as cancelled.
    case cancel
    /// Finished jobs, or waiting jobs, removed with no history.
    case delete

    /// The tabs whose jobs this action takes: never `running` (a running job belongs to its
    /// worker until it ends), never a state the action would not change.
    public var tabs: [JobTab] {
        switch self {
        case .retry: [.scheduled, .retryable, .discarded, .cancelled]
        case .cancel: [.available, .scheduled, .retryable]
        case .delete: [.available, .scheduled, .retryable, .completed, .discarded, .cancelled]
        }
    }
}

/// What one batch did.
public struct JobBulkBatch: Sendable, Hashable {
    /// Jobs the batch chose (matching the filter and at most the highest id).
    public var chosen: Int
    /// Jobs it acted on.
    public var done: Int
    /// Chosen jobs it left: they changed state meanwhile, a worker held them, or (retry) an
    /// unfinished job holds their unique key.
    public var skipped: Int
    /// Where the next batch continues; nil when the scan reached the end of the tab.
    public var next: JobCursor?
}

extension JobStore {
    /// The largest batch: one transaction's worth of rows locked and moved.
    public static let bulkBatchSize = 1_000

    /// One batch: up to `batchSize` jobs of `filter` with ids up to `maxID`, after `cursor`,
    /// chosen by the tab's bounded scan (`browse`), then acted on if still in the tab's state.
    /// Run each batch in a transaction of its own (`JobBulkOperations` does).
    public func bulkBatch(
        _ action: JobBulkAction, _ filter: JobFilter, maxID: Int64, after cursor: JobCursor? = nil,
        batchSize: Int = JobStore.bulkBatchSize, scanLimit: Int = JobStore.defaultScanLimit,
        on connection: isolated PGConnection
    ) throws -> JobBulkBatch {
        guard action.tabs.contains(filter.tab) else {
            throw QueueError.invalid("cannot \(action.rawValue) \(filter.tab.rawValue) jobs")
        }
        guard (1...Self.bulkBatchSize).contains(batchSize), (1...1_000_000).contains(scanLimit), maxID > 0 else {
            throw QueueError.invalid(
                "batch size 1...\(Self.bulkBatchSize), scan limit 1...1000000 and a positive highest id")
        }
        let page = try scanPage(
            filter, after: cursor, limit: batchSize, maxID: maxID, scanLimit: scanLimit, on: connection)
        let ids = page.jobs.map(\.id)
        let done = try apply(action, to: ids, in: filter.tab, on: connection)
        return JobBulkBatch(chosen: ids.count, done: done.count, skipped: ids.count - done.count, next: page.next)
    }

    /// Acts on `ids` that are still in `tab`'s state (locked `SKIP LOCKED`); returns the ids
    /// acted on. For one job too: the dashboard's single-job buttons come here.
    public func apply(_ action: JobBulkAction, to ids: [Int64], in tab: JobTab, on connection: isolated PGConnection)
        throws -> [Int64]
    {
        guard action.tabs.contains(tab) else {
            throw QueueError.invalid("cannot \(action.rawValue) \(tab.rawValue) jobs")
        }
        guard !ids.isEmpty else { return [] }
        guard ids.count <= Self.bulkBatchSize else {
            throw QueueError.invalid("at most \(Self.bulkBatchSize) jobs at once, got \(ids.count)")
        }
        switch (action, tab.isFinished) {
        case (.retry, true):
            return try retryFinished(ids, on: connection)
        case (.retry, false):
            let rows = try connection.query(sql.bulkMakeAvailable, [ids, tab.rawValue, try now(on: connection)]).rows
            let queues = Array(Set(try rows.map { try $0.decode("queue", as: String.self) })).sorted()
            if !queues.isEmpty { try notify(queues: queues, on: connection) }
            return try rows.map { try $0.decode("id") }
        case (.cancel, _):
            return try connection.query(sql.bulkCancel, [ids, tab.rawValue, try now(on: connection)]).rows.map {
                try $0.decode("id")
            }
        case (.delete, false):
            return try connection.query(sql.bulkDeleteWaiting, [ids, tab.rawValue]).rows.map { try $0.decode("id") }
        case (.delete, true):
            return try connection.query(sql.bulkDeleteFinished, [ids, tab.rawValue]).rows.map { try $0.decode("id") }
        }
    }

    /// The highest job id there is (0 when none): a confirmation fixes its action to it.
    public func highestID(on connection: isolated PGConnection) throws -> Int64 {
        try connection.query(sql.highestID).first!.decode("id")
    }

    /// How many jobs of `filter` with ids up to `maxID` there are, counted to `cap` + 1 within
    /// the tab's bounded scan of `scanLimit` index rows: what a confirmation page says
    /// ("Retry 1,234 discarded jobs…"). `scanStopped`: the scan ended before the tab did, so
    /// more jobs may match than counted.
    public func countMatching(
        _ filter: JobFilter, maxID: Int64, cap: Int = 10_000, scanLimit: Int = JobStore.defaultScanLimit,
        on connection: isolated PGConnection
    ) throws -> (count: CappedCount, scanStopped: Bool) {
        guard (1...1_000_000).contains(cap), (1...1_000_000).contains(scanLimit) else {
            throw QueueError.invalid("count cap and scan limit must be 1...1000000")
        }
        let order = filter.tab.order
        let bindings: PGBindings =
            Self.cursorBindings(nil, order: order) + [
                scanLimit, filter.tab.rawValue, filter.queue, filter.kind, maxID, cap + 1,
            ]
        let row = try connection.query(sql.browseCount(order), bindings).first!
        let counted: Int = try row.decode("matched")
        let reachedLimit: Bool = try row.decode("stopped")
        let stopped = counted <= cap && reachedLimit
        return (CappedCount(counted: counted, cap: cap), stopped)
    }
}
