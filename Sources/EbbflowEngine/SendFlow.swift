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

    public init(schema: SchemaName) { self.schema = schema }

    /// Creates the flow and enrolls the segment's active and reactivated contacts: one
    /// `flow_step` job each, due now, inserted set-based. Returns how many were enrolled.
    public func start(_ flow: FlowDefinition, on connection: isolated PGConnection) throws -> Int {
        guard !flow.name.isEmpty, !flow.template.isEmpty, flow.everySeconds > 0, flow.maxSends > 0 else {
            throw QueueError.invalid("a flow needs a name, a template, a positive interval and at least one send")
        }
        let now: Date = try connection.query("SELECT \(schema.qualified("clock_now"))() AS now").first!.decode("now")
        do {
            try connection.execute("""
                INSERT INTO \(schema.qualified("flows")) (name, segment, template, every_seconds, max_sends, created_at)
                VALUES ($1, $2, $3, $4, $5, $6)
                """, [flow.name, flow.segment, flow.template, flow.everySeconds, flow.maxSends, now])
        } catch let error as PGError where error.isUniqueViolation {
            throw QueueError.invalid("a flow named \"\(flow.name)\" exists already")
        }
        let enrolled = try connection.execute("""
            INSERT INTO \(schema.qualified("jobs")) (state, queue, kind, args, run_at, created_at)
            SELECT 'available', 'default', 'flow_step', jsonb_build_object('flow', $1::text, 'contact_id', id, 'step', 1), $3, $3
            FROM \(schema.qualified("contacts")) WHERE segment = $2 AND campaign_status IN ('active', 'reactivated')
            """, [flow.name, flow.segment, now])
        try connection.execute("SELECT pg_notify($1, 'default')", ["\(schema.name)_jobs"])
        return enrolled
    }

    /// Stops a flow: its pending steps skip with the reason "flow stopped".
    @discardableResult
    public func stop(_ name: String, on connection: isolated PGConnection) throws -> Bool {
        try connection.execute("UPDATE \(schema.qualified("flows")) SET state = 'stopped' WHERE name = $1", [name]) == 1
    }

    public func list(on connection: isolated PGConnection) throws -> [(name: String, segment: String, template: String, state: String, sends: Int)] {
        try connection.query("""
            SELECT f.name, f.segment, f.template, f.state, (SELECT count(*) FROM \(schema.qualified("sends")) s WHERE s.flow = f.name) AS sends
            FROM \(schema.qualified("flows")) f ORDER BY f.name
            """).rows.map { (try $0.decode("name"), try $0.decode("segment"), try $0.decode("template"), try $0.decode("state"), try $0.decode("sends")) }
    }
}

/// One contact's next flow send. A chunk handler: many contacts due at once cost one
/// transaction per chunk. Each contact is re-checked under its row lock in that transaction.
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

    public func run(_ jobs: [Job<Args>], context: JobContext, connection: isolated PGConnection) async throws {
        let now = context.now
        let policies = try PolicyStore(schema: schema).load(on: connection)
        let flowNames = Array(Set(jobs.map(\.args.flow)))
        var flows: [String: (template: String, every: Double, max: Int, running: Bool)] = [:]
        for row in try connection.query("SELECT name, template, every_seconds, max_sends, state FROM \(schema.qualified("flows")) WHERE name = ANY($1)", [flowNames]).rows {
            flows[try row.decode("name")] = (try row.decode("template"), try row.decode("every_seconds"), try row.decode("max_sends"),
                                             try row.decode("state", as: String.self) == "running")
        }
        // One lock order (by id), so chunks and event application cannot deadlock.
        let ids = Array(Set(jobs.map(\.args.contactID))).sorted()
        var contacts: [Int64: (status: String, channel: String, segment: String)] = [:]
        for row in try connection.query("""
            SELECT id, campaign_status::text AS status, channel, segment FROM \(schema.qualified("contacts")) WHERE id = ANY($1) ORDER BY id FOR UPDATE
            """, [ids]).rows {
            contacts[try row.decode("id")] = (try row.decode("status"), try row.decode("channel"), try row.decode("segment"))
        }
        for job in jobs {
            let args = job.args
            guard let flow = flows[args.flow], let contact = contacts[args.contactID] else { continue }
            let policy = policies.policy(for: contact.segment)
            let recent: Int = try connection.query("""
                SELECT count(*) AS n FROM \(schema.qualified("sends")) WHERE contact_id = $1 AND at > $2
                """, [args.contactID, now.addingTimeInterval(-Double(policy.frequencyCap.perDays) * 86_400)]).first!.decode("n")
            let capped = recent >= policy.frequencyCap.sends
            let skip: String? = !flow.running ? "flow stopped"
                : contact.status == "engaged" ? "contact engaged"
                : !(contact.status == "active" || contact.status == "reactivated") ? "contact \(contact.status)"
                : contact.channel != "email" ? "contact moved to \(contact.channel)"
                : capped ? "frequency cap (\(policy.frequencyCap.sends) per \(policy.frequencyCap.perDays) days); deferred"
                : nil
            if let skip {
                try connection.execute("""
                    INSERT INTO \(schema.qualified("flow_skips")) (flow, contact_id, step, reason, at) VALUES ($1, $2, $3, $4, $5)
                    """, [args.flow, args.contactID, args.step, skip, now])
                // A capped step is deferred, not dropped: it tries again one interval later.
                // Any other reason ends this contact's flow.
                if capped && flow.running && (contact.status == "active" || contact.status == "reactivated") && contact.channel == "email" {
                    try context.store.enqueue(try NewJob(kind: Self.kind, encoding: args, runAt: now.addingTimeInterval(flow.every)), on: connection)
                }
                continue
            }
            if contact.status == "reactivated" {
                try StateMachine.check(from: .reactivated, to: .active, reason: .flowEntry)
                try connection.execute("UPDATE \(schema.qualified("contacts")) SET campaign_status = 'active', status_changed_at = $2 WHERE id = $1", [args.contactID, now])
                try connection.execute("""
                    INSERT INTO \(schema.qualified("transitions")) (contact_id, from_status, to_status, reason, job_id, at)
                    VALUES ($1, 'reactivated', 'active', 'flow_entry', $2, $3)
                    """, [args.contactID, job.id, now])
                contacts[args.contactID]?.status = "active"
            }
            try connection.execute("""
                INSERT INTO \(schema.qualified("sends")) (contact_id, flow, step, template, channel, at) VALUES ($1, $2, $3, $4, 'email', $5)
                """, [args.contactID, args.flow, args.step, flow.template, now])
            try connection.execute("UPDATE \(schema.qualified("contacts")) SET flow_sends_unanswered = flow_sends_unanswered + 1 WHERE id = $1", [args.contactID])
            let next = args.step < flow.max
                ? try NewJob(kind: Self.kind, encoding: Args(flow: args.flow, contactID: args.contactID, step: args.step + 1), runAt: now.addingTimeInterval(flow.every))
                : try NewJob(kind: FlowWaitEndJob.kind, encoding: FlowWaitEndJob.Args(flow: args.flow, contactID: args.contactID), runAt: now.addingTimeInterval(flow.every))
            try context.store.enqueue(next, on: connection)
        }
    }
}

/// The wait after a flow's last send: still unanswered after `inactive_after_sends` sends, the
/// contact becomes `inactive` and its reactivation cycle is scheduled.
public struct FlowWaitEndJob: TransactionalJobHandler {
    public struct Args: Codable, Sendable {
        public var flow: String
        public var contactID: Int64
        enum CodingKeys: String, CodingKey { case flow, contactID = "contact_id" }
    }
    public static let kind = "flow_wait_end"
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    public func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome {
        guard let row = try connection.query("""
            SELECT campaign_status::text AS status, flow_sends_unanswered, segment FROM \(schema.qualified("contacts")) WHERE id = $1 FOR UPDATE
            """, [job.args.contactID]).first else { return .completed }
        let policy = try PolicyStore(schema: schema).load(on: connection).policy(for: try row.decode("segment"))
        guard try row.decode("status", as: String.self) == "active",
              try row.decode("flow_sends_unanswered", as: Int.self) >= policy.inactiveAfterSends else { return .completed }
        try StateMachine.check(from: .active, to: .inactive, reason: .noEngagementAfterSends)
        let now = context.now
        try connection.execute("""
            UPDATE \(schema.qualified("contacts")) SET campaign_status = 'inactive', status_changed_at = $2, flow_sends_unanswered = 0 WHERE id = $1
            """, [job.args.contactID, now])
        try connection.execute("""
            INSERT INTO \(schema.qualified("transitions")) (contact_id, from_status, to_status, reason, job_id, at)
            VALUES ($1, 'active', 'inactive', 'no_engagement_after_sends', $2, $3)
            """, [job.args.contactID, job.id, now])
        try context.store.enqueue(try NewJob(kind: ReactivationStepJob.kind, encoding: ReactivationStepJob.Args(contactID: job.args.contactID, step: 1),
                                             runAt: now.addingTimeInterval(Double(policy.cooldownDays) * 86_400)), on: connection)
        return .completed
    }
}
