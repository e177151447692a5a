// The reactivation cycle of an inactive contact: cooldown, email 1, wait, email 2, wait, then give up.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// One step of the cycle, as a job at its own time. Every step locks the contact and re-checks
/// that it is still `inactive` in the same transaction as its send: a contact that engaged
/// (now `reactivated`) or was suppressed in between gets nothing, and the cycle ends there.
///
/// Steps: 1 = cooldown over → reactivation email 1 (value-based), cycle counter + 1;
/// 2 = email 2 (direct offer); 3 = still silent → suppress, or move to the alternative channel.
public struct ReactivationStepJob: TransactionalJobHandler {
    public struct Args: Codable, Sendable {
        public var contactID: Int64
        public var step: Int
        public init(contactID: Int64, step: Int) {
            self.contactID = contactID
            self.step = step
        }
        enum CodingKeys: String, CodingKey { case contactID = "contact_id", step }
    }
    public static let kind = "reactivation_step"
    static let templates = [1: "reactivation_value", 2: "reactivation_offer"]
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    public func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome
    {
        let (sql, contactSQL) = (ReactivationSQL(schema: schema), ContactSQL(schema: schema))
        let contactID = job.args.contactID
        let now = context.now
        let policies = try PolicyStore(schema: schema).load(on: connection)
        // The contact, locked, with its recent sends for the cap: one round trip.
        try connection.execute(contactSQL.lockContacts, [[contactID]])
        guard
            let row = try connection.query(
                contactSQL.contactsWithRecentSends, [[contactID], now.addingTimeInterval(-policies.longestCapWindow)]
            ).first
        else {
            return .discard(reason: "contact \(contactID) no longer exists")
        }
        guard try row.decode("status", as: String.self) == CampaignStatus.inactive.rawValue,
            try row.decode("channel", as: String.self) == "email"
        else {
            return .completed // engaged, suppressed or moved off email meanwhile: the cycle ends here
        }
        let policy = policies.policy(for: try row.decode("segment", as: String.self))
        switch job.args.step {
        case 1, 2:
            // Reactivation emails count against the frequency cap like any marketing send:
            // a capped email waits until a slot frees (no attempt used), then goes.
            if let deferral = policy.frequencyCap.deferral(recentSends: try row.decode("recent_sends"), now: now) {
                return .snooze(deferral.timeIntervalSince(now))
            }
            if job.args.step == 1 { try connection.execute(sql.startCycle, [contactID]) }
            try connection.execute(
                sql.insertReactivationSend,
                [
                    contactID, job.args.step, Self.templates[job.args.step]!, now,
                    policy.reactivationFormats[job.args.step - 1].rawValue,
                ])
            try context.store.enqueue(
                try NewJob(
                    kind: Self.kind, encoding: Args(contactID: contactID, step: job.args.step + 1),
                    runAt: now.addingTimeInterval(Double(policy.reactivationWaitDays) * 86_400),
                    subject: ContactJobs.subject(contactID)), on: connection)
        case 3:
            switch policy.afterReactivation {
            case .suppress:
                let change = StatusChange.reactivationExhausted
                try change.check(from: .inactive)
                try connection.execute(sql.suppress, [contactID, now, change.reason.rawValue, job.id])
                try SuppressedContacts(schema: schema).cleanUp(
                    [(contactID, change.reason.rawValue, nil)], now: now, on: connection)
            case .moveToChannel:
                let change = StatusChange.movedToChannel
                try change.check(from: .inactive)
                try connection.execute(
                    sql.moveToChannel, [contactID, policy.alternativeChannel, change.reason.rawValue, job.id, now])
            }
        default:
            return .discard(reason: "unknown reactivation step \(job.args.step)")
        }
        return .completed
    }
}

/// Starting reactivation cycles by hand for a chosen group (`ebbflow reactivation start`).
public struct ReactivationLauncher: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Inactive contacts of `segment` inactive for at least `inactiveFor` seconds and not in a
    /// cycle already (no pending reactivation step). Without `dryRun`, step 1 is enqueued for
    /// each, due now, set-based; the unique key per contact and cycle makes a repeat harmless.
    public func start(segment: String, inactiveFor: Double, dryRun: Bool, on connection: isolated PGConnection)
        throws -> (contacts: Int, sample: [String])
    {
        // Bounded before the date arithmetic below: 99999999999d once trapped the CLI.
        _ = try InputBounds.seconds(inactiveFor, field: "inactive_for", minimum: 0)
        let now = try DatabaseClock(schema: schema).now(on: connection)
        let store = JobStore(schema: schema)
        // $1 segment, $2 cutoff, $3 the reactivation step's kind.
        let group = """
            SELECT c.id, c.external_id, c.reactivation_cycle FROM \(schema.qualified("contacts")) c
            WHERE c.segment = $1 AND c.campaign_status = 'inactive' AND c.status_changed_at <= $2
              AND NOT \(store.unfinishedJobExists(subject: ContactJobs.subject(sql: "c.id"), kindParameter: 3))
            """
        let cutoff = now.addingTimeInterval(-inactiveFor)
        let kind = ReactivationStepJob.kind
        let sample: [String] = try connection.query("\(group) ORDER BY c.id LIMIT 5", [segment, cutoff, kind]).rows.map
        {
            try $0.decode("external_id")
        }
        if dryRun {
            let count: Int = try connection.query("SELECT count(*) AS n FROM (\(group)) g", [segment, cutoff, kind])
                .first!.decode("n")
            return (count, sample)
        }
        let count = try store.enqueue(
            ReactivationStepJob.self,
            rowsOf: """
                SELECT jsonb_build_object('contact_id', g.id, 'step', 1) AS args, $4::timestamptz AS run_at,
                       \(ContactJobs.subject(sql: "g.id")) AS subject, 'reactivation:' || g.id || ':' || (g.reactivation_cycle + 1) AS unique_key
                FROM (\(group)) g
                """, [segment, cutoff, kind, now], columns: [.subject, .uniqueKey], now: now, on: connection)
        return (count, sample)
    }
}
