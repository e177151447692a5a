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
    var schema: SchemaName { get }
    /// One batch after `cursor` (a contact id): the next cursor (nil when done) and how many changed.
    func runBatch(after cursor: Int64, now: Date, policies: PolicyDocument, jobID: Int64?,
                  on connection: isolated PGConnection) throws -> (next: Int64?, changed: Int)
}

extension ContactPass {
    /// Every batch, each in its own transaction. `now` nil reads the clock once per batch.
    public func runAll(now: Date?, policies: PolicyDocument, on connection: isolated PGConnection) throws -> (changed: Int, batches: Int) {
        var cursor: Int64 = 0, changed = 0, batches = 0
        while true {
            let (next, count) = try connection.withTransactionSync {
                let at = try now ?? connection.query("SELECT \(schema.qualified("clock_now"))() AS now").first!.decode("now", as: Date.self)
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
    public func runStep(_ job: Job<ContactPassArgs>, context: JobContext, on connection: isolated PGConnection) throws -> JobOutcome {
        let policies = try PolicyStore(schema: schema).load(on: connection)
        let (next, _) = try runBatch(after: job.args.cursor ?? 0, now: context.now, policies: policies, jobID: job.id, on: connection)
        if let next {
            try context.store.enqueue(try NewJob(kind: job.row.kind, encoding: ContactPassArgs(cursor: next, batchSize: job.args.batchSize),
                                                 queue: job.row.queue), on: connection)
        }
        return .completed
    }
}
