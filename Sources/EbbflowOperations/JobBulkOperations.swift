// Retry, cancel or delete one job or every job matching a Jobs tab's filter, in batches; and the text a page passes in, read.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// The dashboard's job actions. A filtered action is fixed at confirmation: the user saw a
/// count of the jobs of one state (and queue, kind) with ids up to `maxID`, so jobs that
/// arrive later are never touched. Each batch of 1,000 is its own transaction (locks held
/// for one batch, not for the whole action), and one call does at most 10,000, so a POST
/// ends in seconds; the page then offers the next 10,000.
public struct JobBulkOperations: Sendable {
    public let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Jobs one call acts on at most.
    public static let maximumPerCall = 10_000
    /// Where a confirmation's count stops.
    public static let countCap = 10_000
    /// Bounded scans one call may run (each at most the scan limit of rows): a filter that
    /// matches nothing reads at most this many times 50,000 index rows before it returns.
    public static let maximumScansPerCall = 20

    // MARK: - Text from a page

    /// A tab by its state's name, else `invalid` naming `state`.
    public static func tab(_ text: String?) throws(OperationError) -> JobTab {
        guard let text, let tab = JobTab(rawValue: text) else {
            throw .invalid(
                "state must be one of \(JobTab.allCases.map(\.rawValue).joined(separator: ", ")); got \((text ?? "nothing").prefix(64))",
                field: "state")
        }
        return tab
    }

    /// A filter from a page's `state`, `queue` and `kind` (an empty queue or kind means any),
    /// each refused naming its field.
    public static func filter(state: String?, queue: String?, kind: String?) throws(OperationError) -> JobFilter {
        let tab = try tab(state)
        let queue = queue.flatMap { $0.isEmpty ? nil : $0 }
        let kind = kind.flatMap { $0.isEmpty ? nil : $0 }
        do { _ = try JobFilter(tab: tab, queue: queue) } catch { throw .invalid(error.description, field: "queue") }
        do { return try JobFilter(tab: tab, queue: queue, kind: kind) } catch {
            throw .invalid(error.description, field: "kind")
        }
    }

    /// A page's `cursor` for `tab`: nil when absent or empty, else the cursor, or `invalid`
    /// naming `cursor` when the text is not one that tab's pages wrote.
    public static func cursor(_ text: String?, tab: JobTab) throws(OperationError) -> JobCursor? {
        guard let text, !text.isEmpty else { return nil }
        guard let cursor = JobCursor(text: text, tab: tab) else {
            throw .invalid(
                "cursor \"\(text.prefix(64))\" is not a cursor of the \(tab.rawValue) jobs list; start again without one",
                field: "cursor")
        }
        return cursor
    }

    /// An action by name, else `invalid` naming `action`.
    public static func action(_ text: String?) throws(OperationError) -> JobBulkAction {
        guard let text, let action = JobBulkAction(rawValue: text) else {
            throw .invalid(
                "action must be retry, cancel or delete; got \((text ?? "nothing").prefix(64))", field: "action")
        }
        return action
    }

    /// The highest id a confirmed action covers (`max_id`): a positive whole number.
    public static func maxID(_ text: String?) throws(OperationError) -> Int64 {
        guard let text, let id = Int64(text), id > 0 else {
            throw .invalid("max_id \"\((text ?? "").prefix(64))\" is not a positive whole number", field: "max_id")
        }
        return id
    }

    /// Refuses an action on a tab it does not apply to, naming `state`.
    public static func check(_ action: JobBulkAction, _ tab: JobTab) throws(OperationError) {
        guard action.tabs.contains(tab) else {
            throw .invalid(
                "cannot \(action.rawValue) \(tab.rawValue) jobs; \(action.rawValue) applies to \(action.tabs.map(\.rawValue).joined(separator: ", "))",
                field: "state")
        }
    }

    // MARK: - Confirm and act

    /// What a confirmation page shows: the highest id now (to fix the action to), and how
    /// many jobs match up to it, counted to 10,000 within a bounded scan.
    public func confirmation(_ action: JobBulkAction, _ filter: JobFilter, on database: PGConnection) async throws
        -> JobBulkConfirmation
    {
        try Self.check(action, filter.tab)
        let store = JobStore(schema: schema)
        let options = PGTransactionOptions(isolation: .repeatableRead, readOnly: true)
        return try await database.withTransaction(options) { connection in
            let maxID = try store.highestID(on: connection)
            let (count, stopped) = try store.countMatching(filter, maxID: maxID, cap: Self.countCap, on: connection)
            return JobBulkConfirmation(maxID: maxID, count: count, scanStopped: stopped)
        }
    }

    /// Acts on the jobs of `filter` with ids up to `maxID`: batches of `batchSize`, each in
    /// its own transaction, until `limit` (at most 10,000) were chosen or the tab ends.
    /// Jobs that changed state meanwhile are skipped and counted.
    public func perform(
        _ action: JobBulkAction, matching filter: JobFilter, maxID: Int64,
        limit: Int = JobBulkOperations.maximumPerCall,
        batchSize: Int = JobStore.bulkBatchSize, scanLimit: Int = JobStore.defaultScanLimit,
        on database: PGConnection
    ) async throws -> JobBulkResult {
        try Self.check(action, filter.tab)
        guard maxID > 0 else { throw OperationError.invalid("max_id must be positive, got \(maxID)", field: "max_id") }
        guard (1...Self.maximumPerCall).contains(limit) else {
            throw OperationError.invalid("limit must be 1...\(Self.maximumPerCall), got \(limit)", field: "limit")
        }
        let store = JobStore(schema: schema)
        var result = JobBulkResult(
            chosen: 0, done: 0, skipped: 0, hasMore: false, remaining: CappedCount(value: 0, capped: false))
        var cursor: JobCursor?
        var scans = 0
        repeat {
            let size = min(batchSize, limit - result.chosen)
            let after = cursor
            let batch = try await Self.queueErrors {
                try await database.withTransaction { connection in
                    try store.bulkBatch(
                        action, filter, maxID: maxID, after: after, batchSize: size, scanLimit: scanLimit,
                        on: connection)
                }
            }
            result.chosen += batch.chosen
            result.done += batch.done
            result.skipped += batch.skipped
            cursor = batch.next
            scans += 1
        } while cursor != nil && result.chosen < limit && scans < Self.maximumScansPerCall
        if cursor != nil {
            let remaining = try await database.withTransaction(
                PGTransactionOptions(isolation: .repeatableRead, readOnly: true)
            ) {
                try store.countMatching(filter, maxID: maxID, cap: Self.countCap, on: $0)
            }
            result.remaining = remaining.count
            result.hasMore = remaining.count.value > 0 || remaining.scanStopped
        }
        return result
    }

    /// Acts on one job, in one transaction: `notFound` for an unknown id, `conflict` for a
    /// job the action does not apply to (a running job, a completed one to retry) or, for a
    /// retry, whose unique key an unfinished job holds: the messages of `JobOperations`.
    @discardableResult
    public func perform(_ action: JobBulkAction, id: Int64, on database: PGConnection) async throws -> ActionOutcome {
        let store = JobStore(schema: schema)
        _ = try await Self.queueErrors {
            try await database.withTransaction { connection in
                guard let job = try store.find(id, on: connection) else { throw QueueError.notFound(id) }
                guard let tab = JobTab(rawValue: job.state), action.tabs.contains(tab) else {
                    throw QueueError.wrongState(id, job.state, action.rawValue)
                }
                let done = try store.apply(action, to: [id], in: tab, on: connection)
                if done.isEmpty, action == .retry, let key = job.uniqueKey,
                    let holder = try store.holder(ofUniqueKey: key, on: connection)
                {
                    throw OperationError.conflict(
                        "job \(id) was not retried: its unique key \"\(key)\" is held by unfinished job \(holder)")
                }
                // Locked by a worker claiming it, or moved on since `find`.
                guard !done.isEmpty else { throw QueueError.wrongState(id, "changing state", action.rawValue) }
                return done
            }
        }
        let verb = ["retry": "retried", "cancel": "cancelled", "delete": "deleted"][action.rawValue]!
        return ActionOutcome("\(verb) job \(id)", ["id": .integer(id), "action": .string(action.rawValue)])
    }

    /// The queue's refusals as operation errors (not found, conflict, invalid).
    static func queueErrors<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as QueueError { throw OperationError.from(error) }
    }
}

/// A confirmation page's facts.
public struct JobBulkConfirmation: Sendable, Hashable {
    /// The highest job id when the page was drawn: the action covers ids up to it.
    public var maxID: Int64
    /// Matching jobs up to `maxID`, counted to 10,000 (`capped`: more).
    public var count: CappedCount
    /// The bounded scan ended before the tab did: more jobs may match than counted.
    public var scanStopped: Bool
}

/// What one call of `perform(_:matching:…)` did.
public struct JobBulkResult: Sendable, Hashable {
    /// Jobs chosen by the filter (at most 10,000).
    public var chosen: Int
    /// Jobs acted on.
    public var done: Int
    /// Chosen jobs left alone: they changed state meanwhile, a worker held them, or (retry)
    /// an unfinished job holds their unique key.
    public var skipped: Int
    /// Another call would find more: "confirm the next batch".
    public var hasMore: Bool
    /// Matching jobs left, counted to 10,000 (0 when the call reached the end of the tab).
    public var remaining: CappedCount
}
