// Send flows: enrollment, per-contact steps re-checked at send time, and the end-of-flow wait.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// A flow definition.
public struct FlowDefinition: Sendable {
    public var name: String
    public var segment: String
    public var template: String
    public var everySeconds: Double
    public var maxSends: Int
    /// Sends per contact a flow may make: a flow is a short sequence, and its steps are jobs.
    public static let maxSendsRange = 1...1_000
    public init(name: String, segment: String, template: String, everySeconds: Double = 3 * 86_400, maxSends: Int = 3) {
        self.name = name
        self.segment = segment
        self.template = template
        self.everySeconds = everySeconds
        self.maxSends = maxSends
    }
}

public struct FlowStore: Sendable {
    let schema: SchemaName
    var sql: FlowSQL { FlowSQL(schema: schema) }

    public init(schema: SchemaName) { self.schema = schema }

    /// Creates the flow and enrolls the segment's active and reactivated contacts: one
    /// `flow_step` job each, due now, inserted set-based. Returns how many were enrolled.
    public func start(_ flow: FlowDefinition, on connection: isolated PGConnection) throws -> Int {
        guard !flow.name.isEmpty, !flow.template.isEmpty else {
            throw QueueError.invalid("a flow needs a name and a template")
        }
        // Bounded here too, not only by the CLI: each step's run_at is now + every, encoded as a
        // timestamptz; an unbounded interval once crashed every worker that claimed the step.
        _ = try InputBounds.seconds(flow.everySeconds, field: "every")
        _ = try InputBounds.integer(flow.maxSends, field: "max_sends", in: FlowDefinition.maxSendsRange)
        let now = try DatabaseClock(schema: schema).now(on: connection)
        do {
            try connection.execute(
                sql.insertFlow, [flow.name, flow.segment, flow.template, flow.everySeconds, flow.maxSends, now])
        } catch let error as PGError where error.isUniqueViolation {
            throw QueueError.invalid("a flow named \"\(flow.name)\" exists already")
        }
        return try JobStore(schema: schema).enqueue(
            FlowStepJob.self, rowsOf: sql.enroll, [flow.name, flow.segment, now], columns: [.subject],
            now: now, on: connection)
    }

    /// Stops a flow: its pending steps skip with the reason "flow stopped".
    @discardableResult
    public func stop(_ name: String, on connection: isolated PGConnection) throws -> Bool {
        try connection.execute(sql.stopFlow, [name]) == 1
    }

    /// Removes a flow: the flow row goes and its pending steps and end-of-flow waits are
    /// cancelled (kept as cancelled jobs, reason "flow removed"), in one transaction. Its sends
    /// and skips stay, as the contacts' history (`contacts show`), still naming the flow. A step
    /// running at that moment either read the flow first (the removal waits for it, then
    /// cancels the next step it enqueued) or finds no flow and does nothing. Run in a
    /// transaction: the flow's lock must be held by the statement that deletes it. Returns the
    /// cancelled jobs, or nil when there is no such flow.
    public func remove(_ name: String, on connection: isolated PGConnection) throws -> Int? {
        try connection.execute(sql.lockFlow, [name])
        let now = try DatabaseClock(schema: schema).now(on: connection)
        guard try connection.query(sql.removeFlow, [name]).first!.decode("removed", as: Int.self) == 1 else {
            return nil
        }
        return try JobStore(schema: schema).cancelPending(
            kinds: [FlowStepJob.self, FlowWaitEndJob.self],
            argsContaining: try PGJSON(encoding: ["flow": name]), now: now,
            reason: "flow removed", on: connection)
    }

    /// Every flow by name without its send count (one row per flow, nothing else read).
    public func definitions(on connection: isolated PGConnection) throws -> [(
        name: String, segment: String, template: String, state: String
    )] {
        try connection.query(sql.listFlowDefinitions).rows.map {
            (try $0.decode("name"), try $0.decode("segment"), try $0.decode("template"), try $0.decode("state"))
        }
    }

    public func list(on connection: isolated PGConnection) throws -> [(
        name: String, segment: String, template: String, state: String, sends: Int
    )] {
        try connection.query(sql.listFlows).rows.map {
            (
                try $0.decode("name"), try $0.decode("segment"), try $0.decode("template"), try $0.decode("state"),
                try $0.decode("sends")
            )
        }
    }
}

/// One contact's next flow send. A chunk handler, set-based: a chunk of up to 500 due steps
/// costs a few reads (contacts locked in id order, then their flows locked `FOR SHARE`, the
/// contacts' recent sends for the cap) and one statement per kind of write (skips, re-entries,
/// sends, counters, next jobs), whatever the chunk size. Each contact and its flow are
/// re-checked under their locks in the transaction that writes its send, so a contact that
/// just engaged or was suppressed is never mailed, nor one whose flow was just removed.
public struct FlowStepJob: ChunkJobHandler {
    public struct Args: Codable, Sendable {
        public var flow: String
        public var contactID: Int64
        public var step: Int
        enum CodingKeys: String, CodingKey { case flow, contactID = "contact_id", step }
    }
    public static let kind = "flow_step"
    public let chunkSize = 500
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    private struct Flow {
        var template: String
        var every: Double
        var maxSends: Int
        var running: Bool
    }

    private struct Contact {
        var status: String
        var channel: String
        var segment: String
        var recentSends: [Date]
    }

    public func run(_ jobs: [Job<Args>], context: JobContext, connection: isolated PGConnection) async throws {
        let sql = FlowSQL(schema: schema)
        let now = context.now
        let policies = try PolicyStore(schema: schema).load(on: connection)
        var contacts: [Int64: Contact] = [:]
        let contactSQL = ContactSQL(schema: schema)
        try connection.execute(contactSQL.lockContacts, [Array(Set(jobs.map(\.args.contactID))).sorted()])
        // The flows after the contacts' locks, and locked: a step that waited for a contact
        // while `flows remove` committed once still sent and enqueued its next step.
        var flows: [String: Flow] = [:]
        for row in try connection.query(sql.flowsNamed, [Array(Set(jobs.map(\.args.flow)))]).rows {
            flows[try row.decode("name")] = Flow(
                template: try row.decode("template"), every: try row.decode("every_seconds"),
                maxSends: try row.decode("max_sends"), running: try row.decode("state", as: String.self) == "running")
        }
        for row in try connection.query(
            contactSQL.contactsWithRecentSends,
            [
                Array(Set(jobs.map(\.args.contactID))).sorted(),
                now.addingTimeInterval(-policies.longestCapWindow),
            ]
        ).rows {
            contacts[try row.decode("id")] = Contact(
                status: try row.decode("status"), channel: try row.decode("channel"),
                segment: try row.decode("segment"), recentSends: try row.decode("recent_sends"))
        }
        var skips: (flows: [String], contacts: [Int64], steps: [Int32], reasons: [String]) = ([], [], [], [])
        var reentered: (contacts: [Int64], jobs: [Int64]) = ([], [])
        var sends: (contacts: [Int64], flows: [String], steps: [Int32], templates: [String]) = ([], [], [], [])
        var unanswered: [Int64: Int32] = [:]
        var next: [NewJob] = []
        for job in jobs {
            let args = job.args
            guard let flow = flows[args.flow], var contact = contacts[args.contactID] else { continue }
            let cap = policies.policy(for: contact.segment).frequencyCap
            let eligible = contact.status == "active" || contact.status == "reactivated"
            let deferral = cap.deferral(recentSends: contact.recentSends, now: now)
            let skip: String? =
                !flow.running
                ? "flow stopped"
                : contact.status == "engaged"
                    ? "contact engaged"
                    : !eligible
                        ? "contact \(contact.status)"
                        : contact.channel != "email"
                            ? "contact moved to \(contact.channel)"
                            : deferral != nil
                                ? cap.reason
                                : nil
            if let skip {
                skips.flows.append(args.flow); skips.contacts.append(args.contactID);
                skips.steps.append(Int32(args.step)); skips.reasons.append(skip)
                // A capped step is deferred until a slot frees, not dropped. Any other reason
                // ends this contact's flow.
                if let deferral, flow.running, eligible, contact.channel == "email" {
                    next.append(
                        try NewJob(
                            kind: Self.kind, encoding: args, runAt: deferral,
                            subject: ContactJobs.subject(args.contactID)))
                }
                continue
            }
            if contact.status == "reactivated" {
                try StatusChange.flowEntry.check(from: .reactivated)
                reentered.contacts.append(args.contactID); reentered.jobs.append(job.id)
                contact.status = "active"
            }
            sends.contacts.append(args.contactID); sends.flows.append(args.flow); sends.steps.append(Int32(args.step));
            sends.templates.append(flow.template)
            contact.recentSends.append(now)
            contacts[args.contactID] = contact
            unanswered[args.contactID, default: 0] += 1
            next.append(
                args.step < flow.maxSends
                    ? try NewJob(
                        kind: Self.kind,
                        encoding: Args(flow: args.flow, contactID: args.contactID, step: args.step + 1),
                        runAt: now.addingTimeInterval(flow.every), subject: ContactJobs.subject(args.contactID))
                    : try NewJob(
                        kind: FlowWaitEndJob.kind,
                        encoding: FlowWaitEndJob.Args(flow: args.flow, contactID: args.contactID),
                        runAt: now.addingTimeInterval(flow.every), subject: ContactJobs.subject(args.contactID)))
        }
        if !skips.flows.isEmpty {
            try connection.execute(sql.insertSkips, [skips.flows, skips.contacts, skips.steps, skips.reasons, now])
        }
        if !reentered.contacts.isEmpty {
            try connection.execute(sql.reenterActive, [reentered.contacts, reentered.jobs, now])
        }
        if !sends.contacts.isEmpty {
            try connection.execute(sql.insertSends, [sends.contacts, sends.flows, sends.steps, sends.templates, now])
            try connection.execute(sql.countUnanswered, [Array(unanswered.keys), Array(unanswered.values)])
        }
        if !next.isEmpty { _ = try context.store.enqueueMany(next, on: connection) }
    }
}

/// The wait after a flow's last send: still unanswered after `inactive_after_sends` sends, the
/// contact becomes `inactive` and its reactivation cycle is scheduled; unless its flow was
/// removed meanwhile (checked under the contact's lock), as the README promises.
public struct FlowWaitEndJob: TransactionalJobHandler {
    public struct Args: Codable, Sendable {
        public var flow: String
        public var contactID: Int64
        enum CodingKeys: String, CodingKey { case flow, contactID = "contact_id" }
    }
    public static let kind = "flow_wait_end"
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    public func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome
    {
        let sql = FlowSQL(schema: schema)
        guard let row = try connection.query(sql.lockContact, [job.args.contactID]).first,
            try connection.query(sql.flowExists, [job.args.flow]).first != nil
        else { return .completed }
        let policy = try PolicyStore(schema: schema).load(on: connection).policy(for: try row.decode("segment"))
        guard try row.decode("status", as: String.self) == "active",
            try row.decode("flow_sends_unanswered", as: Int.self) >= policy.inactiveAfterSends
        else { return .completed }
        try StatusChange.flowEndsUnanswered.check(from: .active)
        let now = context.now
        try connection.execute(sql.flowEndsInactive, [job.args.contactID, now, job.id])
        try context.store.enqueue(
            try NewJob(
                kind: ReactivationStepJob.kind,
                encoding: ReactivationStepJob.Args(contactID: job.args.contactID, step: 1),
                runAt: now.addingTimeInterval(Double(policy.cooldownDays) * 86_400),
                subject: ContactJobs.subject(job.args.contactID)), on: connection)
        return .completed
    }
}
