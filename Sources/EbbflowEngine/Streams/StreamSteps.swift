// Runs a stream's steps for one contact: sends (re-checked, capped, with experiment variants), waits, branches, ends.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// One contact's place in a stream, as a job. Why a job per contact and step: every wait of a
/// journey is a job in the queue (due when the wait ends), so a stream survives restarts and
/// scales with workers like the rest of the engine. A step runs in one transaction with the
/// contact locked: the contact must still be in this stream (an exit may have ended it), and a
/// send re-checks status, channel and the one frequency cap shared with flows.
///
/// Steps that take no time (sends, gotos, a branch's decision) run on in the same job until a
/// wait, a branch's window or the end; validation guarantees every loop has a wait.
public struct StreamStepJob: TransactionalJobHandler {
    public struct Args: Codable, Sendable {
        public var stream: String
        public var contactID: Int64
        public var step: Int
        /// Set when a branch's window started: the branch decides when the job runs again.
        public var branchSince: Date?
        /// The membership's entry number (sql/engine/0015): a job of an earlier entry into the same
        /// stream stops. Nil in jobs made before entries were numbered.
        public var entry: Int64?
        enum CodingKeys: String, CodingKey {
            case stream, contactID = "contact_id", step, branchSince = "branch_since", entry
        }
    }
    public static let kind = "stream_step"
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    public func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome
    {
        let sql = StreamSQL(schema: schema), now = context.now, args = job.args
        let policies = try PolicyStore(schema: schema).load(on: connection)
        try connection.execute(ContactSQL(schema: schema).lockContacts, [[args.contactID]])
        guard
            let row = try connection.query(
                sql.contactForStep, [args.contactID, now.addingTimeInterval(-policies.longestCapWindow)]
            ).first
        else {
            return .discard(reason: "contact \(args.contactID) does not exist")
        }
        // Left the stream (an exit, or the arbiter moved it): nothing more to do here.
        guard try row.decode("stream", as: String?.self) == args.stream else { return .completed }
        // Left and entered the same stream again while this job waited: the new entry has its
        // own steps, and this one's are over.
        if let entry = args.entry, try row.decode("entry", as: Int64?.self) != entry { return .completed }
        // All the stored streams, read once: this step's stream, and, for an open stream, the
        // candidates its due-step decision weighs.
        let store = StreamStore(schema: schema)
        let (stored, broken) = try store.listChecked(on: connection)
        // A stored stream today's bounds refuse does not run, but its members keep their place:
        // the step waits (an hour at a time) until `streams apply` corrects the stream.
        if broken.contains(where: { $0.name == args.stream }) { return .snooze(3_600) }
        guard let current = stored.first(where: { $0.definition.name == args.stream }) else {
            return .discard(reason: "stream \(args.stream) is no longer defined")
        }
        // The contact runs the steps of the version it entered (an edit must not shift it to
        // whatever step now has this index); entry, exits and mode are the current ones.
        var stream = current.definition
        let entered: Int = try row.decode("version")
        if entered != current.version, let old = try store.definition(args.stream, version: entered, on: connection) {
            stream.steps = old.steps
        }
        let status = CampaignStatus(rawValue: try row.decode("status")) ?? .active
        let channel: String = try row.decode("channel"), segment: String = try row.decode("segment")
        var recentSends: [Date] = try row.decode("recent_sends")
        // A due step of an open stream is a decision point: a standing stream may win the
        // contact (StreamRuntime.swift); if one does, this stream's steps are over for it.
        if stream.mode == .open && stored.contains(where: { $0.definition.entryKind == nil }) {
            let point = StreamEventPoint(
                eventID: nil, contactID: args.contactID, kind: StreamRuntime.dueStep, segment: segment,
                status: status, occurredAt: now)
            if try StreamRuntime(schema: schema).decide(at: [point], now: now, stored: stored, on: connection).contains(
                args.contactID)
            {
                return .completed
            }
        }
        // Who may be mailed by a stream: never a suppressed contact; the statuses the stream
        // admits when it names them; else the active audience and engaged contacts (a
        // post-purchase journey is for engaged customers too), not those in a reactivation cycle.
        let mayReceive =
            status != .suppressed
            && (stream.entry.statuses.map { $0.contains(status) } ?? [.active, .reactivated, .engaged].contains(status))
        var ids: [String: Int] = [:]
        for (index, step) in stream.steps.enumerated() { if let id = step.id { ids[id] = index } }
        var index = args.step, branchSince = args.branchSince
        func next(_ step: Int, at: Date, since: Date? = nil) throws {
            let follow = Args(
                stream: args.stream, contactID: args.contactID, step: step, branchSince: since, entry: args.entry)
            _ = try context.store.enqueue(
                NewJob(
                    kind: Self.kind, args: try PGJSON(encoding: follow), runAt: at,
                    subject: ContactJobs.subject(args.contactID)), on: connection)
        }
        for _ in 0..<64 {
            guard index < stream.steps.count else { break }
            switch stream.steps[index].action {
            case .send(let template, let experiment):
                let policy = policies.policy(for: segment)
                if let deferral = policy.frequencyCap.deferral(recentSends: recentSends, now: now) {
                    // Resume at this step when a slot frees; sends already made in this run stay made.
                    if index == args.step { return .snooze(deferral.timeIntervalSince(now)) }
                    try next(index, at: deferral, since: branchSince)
                    return .completed
                }
                if !mayReceive || channel != "email" {
                    let reason = !mayReceive ? "contact is \(status.rawValue)" : "contact is on \(channel)"
                    try connection.execute(
                        sql.insertStreamSkip, [args.stream, args.contactID, Int32(index), reason, now])
                } else {
                    var chosen = template, variant: String?
                    if let experiment {
                        if let winner = try ExperimentStore(schema: schema).promoted(experiment.name, on: connection) {
                            // The experiment was decided: every later send uses the winner.
                            (chosen, variant) = (winner.template, winner.variant)
                        } else {
                            let pick = ExperimentAssignment.variant(
                                experiment: experiment.name, contactID: args.contactID,
                                weights: experiment.variants.map(\.weight))
                            (chosen, variant) = (experiment.variants[pick].template, experiment.variants[pick].name)
                        }
                    }
                    try connection.execute(
                        sql.insertStreamSend,
                        [
                            args.contactID, args.stream, Int32(index), chosen, now, experiment?.name, variant,
                            segment, status.rawValue,
                        ])
                    if stream.goal != nil {
                        try connection.execute(sql.countSend, [args.stream, segment, status.rawValue])
                    }
                    recentSends.append(now)
                }
                index += 1
            case .wait(let seconds):
                try next(index + 1, at: now.addingTimeInterval(seconds))
                return .completed
            case .branch(let kind, let within, let then, let otherwise):
                guard let since = branchSince else {
                    try next(index, at: now.addingTimeInterval(within), since: now)
                    return .completed
                }
                // The window is `within` from its start, even when this job runs late.
                let windowEnd = min(now, since.addingTimeInterval(within))
                let had: Bool = try connection.query(sql.hadEvent, [args.contactID, kind, since, windowEnd]).first!
                    .decode("had")
                index = ids[had ? then : otherwise]!
                branchSince = nil
            case .goto(let target):
                index = ids[target]!
            case .end:
                index = stream.steps.count
            }
        }
        if index < stream.steps.count {
            try next(index, at: now) // many instant steps in a row: go on in a new job
            return .completed
        }
        try StreamRuntime(schema: schema).end(
            contactID: args.contactID, stream: args.stream, jobID: job.id, now: now, on: connection)
        return .completed
    }
}
