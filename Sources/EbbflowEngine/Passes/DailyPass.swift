// A pass the installed schedules start once a day, and the one job that runs any such pass.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// A whole pass run once a day in one job's transaction (experiment promotion, stream date
/// entries, audience snapshots). Why one job type: the wrappers were copies differing only in
/// kind and call; each pass now says its kind and what a day's run does, and `DailyPassJob`
/// runs it at the job's clock.
public protocol DailyPass: Sendable {
    /// The kind its schedule enqueues. Stored in schedules and pending jobs of existing
    /// databases, so it never changes.
    static var jobKind: String { get }
    init(schema: SchemaName)
    /// One day's run at `now` (the job's database clock), in the caller's transaction.
    func runDaily(now: Date, on connection: isolated PGConnection) throws
}

/// A daily pass takes no arguments: the schedule enqueues `{}`.
public struct DailyPassArgs: Codable, Sendable {
    public init() {}
}

/// A daily pass as a job: one run per job, in the job's transaction.
public struct DailyPassJob<Pass: DailyPass>: TransactionalJobHandler {
    public typealias Args = DailyPassArgs
    public static var kind: String { Pass.jobKind }
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    public func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome
    {
        try Pass(schema: schema).runDaily(now: context.now, on: connection)
        return .completed
    }
}
