// The values the dashboard's Jobs page reads: a state tab, a filter, a page of jobs, capped counts, queue health.
import Foundation

/// One state tab of the Jobs page. Each tab pages along an index that exists (no index was
/// added for the dashboard: every index on `jobs` costs an insert per enqueue, claim and
/// retry, the queue's hot path): `running` by id over `jobs_running`, the three waiting states
/// in claim order `(priority, run_at, id)` over `jobs_claimable`, the three finished states
/// newest first `(finished_at DESC, id DESC)` over `finished_jobs_prune`.
public enum JobTab: String, Sendable, CaseIterable, Hashable {
    case running, available, scheduled, retryable, completed, discarded, cancelled

    /// The ordering a tab pages in.
    public enum Order: Sendable { case id, claim, finished }

    public var order: Order {
        switch self {
        case .running: .id
        case .available, .scheduled, .retryable: .claim
        case .completed, .discarded, .cancelled: .finished
        }
    }

    /// Whether the tab's jobs live in `finished_jobs`.
    public var isFinished: Bool { order == .finished }
}

/// Which jobs a page, a count or a bulk action is about: one state, optionally one queue and
/// one kind. Queue and kind are compared exactly (no patterns: a pattern cannot use an index
/// and the scan is bounded anyway).
public struct JobFilter: Sendable, Hashable {
    public var tab: JobTab
    public var queue: String?
    public var kind: String?

    /// The longest kind a filter accepts (bytes of UTF-8); kinds are short identifiers.
    public static let maxKindBytes = 256

    /// Refuses a queue name no worker could claim (`QueueName.rule`) and an empty, overlong or
    /// control-character kind, naming the field; nothing is read before this passes.
    public init(tab: JobTab, queue: String? = nil, kind: String? = nil) throws(QueueError) {
        if let queue {
            do { try QueueName.check(queue) } catch { throw QueueError.invalid(error.description) }
        }
        if let kind {
            guard !kind.isEmpty, kind.utf8.count <= Self.maxKindBytes,
                !kind.unicodeScalars.contains(where: QueueName.isLineBreakOrControl)
            else {
                throw QueueError.invalid(
                    "kind \(QueueName.shown(kind)): must be 1 to \(Self.maxKindBytes) bytes without control characters")
            }
        }
        self.tab = tab
        self.queue = queue
        self.kind = kind
    }
}

/// A count that stops at a cap, River UI's way: `count(*)` of at most cap + 1 index rows, so
/// a million finished jobs cost what 100,001 do. Show `value` as "100,000+" when `capped`.
public struct CappedCount: Sendable, Hashable {
    /// The exact count, or the cap when `capped`.
    public var value: Int
    /// More rows matched than the cap.
    public var capped: Bool

    public init(value: Int, capped: Bool) {
        self.value = value
        self.capped = capped
    }

    /// From a count of at most `cap + 1` rows.
    init(counted: Int, cap: Int) { self.init(value: min(counted, cap), capped: counted > cap) }
}

/// One page of a state tab.
public struct JobBrowsePage: Sendable {
    /// At most the page size, in the tab's order.
    public var jobs: [JobRow]
    /// Where the next page starts; nil when no job follows.
    public var next: JobCursor?
    /// The page is short because the bounded scan stopped (a filter matched fewer jobs than
    /// a page among `scanned` index rows), not because the jobs ran out: say "searched
    /// 50,000 jobs, continue" and link `next`.
    public var scanStopped: Bool
    /// Index rows the scan read for this page when it stopped (the scan limit), else nil.
    public var scanned: Int?
}

/// Jobs by state now: live states exact per queue (the live table is small), finished states
/// capped.
public struct JobCounts: Sendable {
    /// The database clock the counts were read at.
    public var now: Date
    /// Unfinished jobs by queue and state (`running`, `available`, `scheduled`, `retryable`), exact.
    public var live: [LiveJobCount]
    /// Finished jobs by state (`completed`, `discarded`, `cancelled`), each capped; for one
    /// queue, counted among the newest `cap` of the state (`capped`: more of the state exist
    /// beyond those, so the queue's count is a lower bound).
    public var finished: [String: CappedCount]
}

/// A count of jobs of one queue in one state.
public struct LiveJobCount: Sendable, Hashable {
    public var queue: String
    public var state: String
    public var jobs: Int
}

/// The Overview's queue fragment: depth and oldest due job per queue, and recent failures.
public struct QueueHealth: Sendable {
    /// The database clock the figures were read at (ages are by it).
    public var now: Date
    public var queues: [QueueHealthRow]
    /// Jobs discarded in the 24 hours before `now`, capped.
    public var discardedLastDay: CappedCount
}

/// One queue's backlog.
public struct QueueHealthRow: Sendable, Hashable {
    public var queue: String
    public var available: Int
    public var scheduled: Int
    public var retryable: Int
    public var running: Int
    /// Seconds the oldest due (claimable, `run_at` passed) job has waited; nil when none is due.
    public var oldestDueSeconds: Double?
    /// Jobs waiting: available, scheduled and retryable.
    public var depth: Int { available + scheduled + retryable }
}
