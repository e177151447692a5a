// A pass over every contact in keyset batches by id, each batch its own transaction.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// What the inactivity sweep and the decay pass share. Why batches: one statement over a
/// million contacts would hold a million row locks for seconds while events keep arriving; a
/// batch locks its candidates `SKIP LOCKED` and commits quickly. As jobs, each batch enqueues
/// the next in its own transaction, so a crash resumes from the last committed batch.
public protocol ContactPass: Sendable {
    /// The job kind that runs this pass one batch per job (see `ContactPassJob`).
    static var jobKind: String { get }
    var schema: SchemaName { get }
    /// Contacts scanned per batch (one transaction).
    var batchSize: Int { get }
    /// The batch size unless told otherwise: small enough that an event waiting for a contact
    /// the batch holds waits milliseconds, large enough that per-batch costs stay small.
    static var defaultBatchSize: Int { get }
    init(schema: SchemaName, batchSize: Int)
    /// The one statement of a batch: it opens with `batchCTE`, keeps its candidates `inBatch`
    /// and ends with `batchSummary`. $1 is the cursor, $2 the batch size, $3 now; the pass's own
    /// parameters (`batchParameters`) follow from $4.
    var batchStatement: String { get }
    /// The statement's parameters from $4 on: `segments` is the policy document's segments in
    /// name order (the order every per-segment array is bound in); `jobID` the running job, if any;
    /// `now` the batch's one reading of the clock (the same value as $3).
    func batchParameters(
        policies: PolicyDocument, segments: [(key: String, value: EngagementPolicy)],
        jobID: Int64?, now: Date
    ) -> PGBindings
}

extension ContactPass {
    /// One batch after `cursor` (a contact id): the next cursor (nil when done) and how many
    /// changed. The setup every pass shares: the segments in one order, the batch statement with
    /// the common $1–$3 and the pass's own parameters, and its summary row read back.
    public func runBatch(
        after cursor: Int64, now: Date, policies: PolicyDocument, jobID: Int64?,
        on connection: isolated PGConnection
    ) throws -> (next: Int64?, changed: Int) {
        let segments = policies.segments.sorted { $0.key < $1.key }
        let common: PGBindings = [cursor, batchSize, now]
        let own = batchParameters(policies: policies, segments: segments, jobID: jobID, now: now)
        let row = try connection.query(batchStatement, common + own).first!
        return try batchOutcome(row)
    }

    /// The `batch` CTE every pass opens with ($1 cursor, $2 batch size): the next id range read
    /// from the primary key. Candidates are then found by that range (`inBatch`), not by joining
    /// the ids back, so each batch is an index range scan: a join let the planner hash the whole
    /// table once per batch.
    var batchCTE: String {
        """
        batch AS (
            SELECT max(id) AS last_id, count(*) AS scanned
            FROM (SELECT id FROM \(schema.qualified("contacts")) WHERE id > $1 ORDER BY id LIMIT $2) ids
        )
        """
    }

    /// The condition that keeps contact alias `c` inside the batch's id range.
    var inBatch: String { "c.id > $1 AND c.id <= (SELECT last_id FROM batch)" }

    /// The summary columns `batchOutcome` reads; `moved` names the CTE of changed rows.
    func batchSummary(changed moved: String) -> String {
        "SELECT (SELECT last_id FROM batch) AS last_id, (SELECT scanned FROM batch) AS scanned, (SELECT count(*) FROM \(moved)) AS changed"
    }

    /// Reads a batch statement's summary row (`last_id`, `scanned`, `changed`). A short batch
    /// was the last one: no empty batch just to find that out.
    func batchOutcome(_ row: PGRow) throws -> (next: Int64?, changed: Int) {
        let scanned: Int = try row.decode("scanned")
        return (scanned < batchSize ? nil : try row.decode("last_id"), try row.decode("changed"))
    }

    /// Every batch, each in its own transaction. `now` nil reads the clock once per batch.
    public func runAll(now: Date?, policies: PolicyDocument, on connection: isolated PGConnection) throws -> (
        changed: Int, batches: Int
    ) {
        var cursor: Int64 = 0, changed = 0, batches = 0
        while true {
            let (next, count) = try connection.withTransactionSync {
                let at = try now ?? DatabaseClock(schema: schema).now(on: connection)
                return try runBatch(after: cursor, now: at, policies: policies, jobID: nil, on: connection)
            }
            changed += count
            batches += 1
            guard let next else { return (changed, batches) }
            cursor = next
        }
    }
}

/// Where a pass job resumes: the last contact id done, and the batch size.
public struct ContactPassArgs: Codable, Sendable {
    public var cursor: Int64?
    public var batchSize: Int?
    public init(cursor: Int64 = 0, batchSize: Int? = nil) {
        self.cursor = cursor
        self.batchSize = batchSize
    }
}

extension ContactPass {
    /// One batch as one job: the next batch is enqueued (same kind and queue) in the job's own
    /// transaction, so the pass survives a crash and never runs a batch twice.
    public func runStep(_ job: Job<ContactPassArgs>, context: JobContext, on connection: isolated PGConnection) throws
        -> JobOutcome
    {
        let policies = try PolicyStore(schema: schema).load(on: connection)
        let (next, _) = try runBatch(
            after: job.args.cursor ?? 0, now: context.now, policies: policies, jobID: job.id, on: connection)
        if let next {
            try context.store.enqueue(
                try NewJob(
                    kind: job.row.kind, encoding: ContactPassArgs(cursor: next, batchSize: job.args.batchSize),
                    queue: job.row.queue), on: connection)
        }
        return .completed
    }
}

/// A pass as a job, one batch per run, the next batch enqueued in the same transaction; the
/// installed schedules start one per day (`inactivity_sweep`, `decay_scores`).
public struct ContactPassJob<Pass: ContactPass>: TransactionalJobHandler {
    public typealias Args = ContactPassArgs
    public static var kind: String { Pass.jobKind }
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    public func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome
    {
        try Pass(schema: schema, batchSize: job.args.batchSize ?? Pass.defaultBatchSize).runStep(
            job, context: context, on: connection)
    }
}
