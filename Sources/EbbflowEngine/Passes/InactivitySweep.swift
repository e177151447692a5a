// The 90-day inactivity sweep: set-based, in keyset batches, each batch one transaction.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// Moves contacts silent for their policy's `inactive_after_days` (since `last_engagement_at`,
/// or since their last status change if they never engaged) to `inactive`, with a `silence`
/// transition each.
///
/// Why batches by id: one statement over a million contacts would hold a million row locks
/// for seconds while events keep arriving. Each batch locks its candidates `SKIP LOCKED`:
/// a contact that an event is updating right now is skipped (it is not silent anyway, or the
/// next pass catches it), so the sweep and event application never wait on each other and
/// never deadlock. As a job, each batch enqueues the next one in its own transaction, so a
/// crash resumes from the last committed batch.
public struct InactivitySweep: ContactPass {
    public static let jobKind = "sweep_inactivity"
    /// 2,000: a batch also enqueues a cooldown job per moved contact, so it holds its locks
    /// longest; measured (docs/benchmarks.md), 10,000 made events wait up to ~110 ms, 2,000 ~30 ms.
    public static let defaultBatchSize = 2_000
    public let schema: SchemaName
    public var batchSize: Int

    public init(schema: SchemaName, batchSize: Int = InactivitySweep.defaultBatchSize) {
        self.schema = schema
        self.batchSize = batchSize
    }

    /// $4 job, $5 segments, $6 their inactive_after_days, $7 the default's, $8 the segments'
    /// cooldown_days, $9 the default's; $10 on, what the queue's insert of the cooldown jobs binds.
    public func batchParameters(
        policies: PolicyDocument, segments: [(key: String, value: EngagementPolicy)],
        jobID: Int64?, now: Date
    ) -> PGBindings {
        [
            jobID, segments.map(\.key), segments.map { Int64($0.value.inactiveAfterDays) },
            Int64(policies.default.inactiveAfterDays), segments.map { Int64($0.value.cooldownDays) },
            Int64(policies.default.cooldownDays),
        ] + JobStore.insertBindings(ReactivationStepJob.self, now: now)
    }

    public var batchStatement: String {
        let contacts = schema.qualified("contacts")
        let change = StatusChange.silence
        return """
            WITH \(batchCTE), candidates AS (
                SELECT c.id, c.campaign_status AS old FROM \(contacts) c
                WHERE \(inBatch)
                  AND c.campaign_status IN (\(change.fromSQL))
                  AND coalesce(c.last_engagement_at, c.status_changed_at) <= $3::timestamptz - make_interval(days => coalesce(
                      (SELECT s.days FROM unnest($5::text[], $6::int8[]) AS s(segment, days) WHERE s.segment = c.segment), $7)::int)
                FOR UPDATE OF c SKIP LOCKED
            ), moved AS (
                UPDATE \(contacts) c SET campaign_status = \(change.toSQL), status_changed_at = $3, flow_sends_unanswered = 0
                FROM candidates WHERE c.id = candidates.id
                RETURNING c.id, candidates.old
            ), audit AS (
                INSERT INTO \(schema.qualified("transitions")) (contact_id, from_status, to_status, reason, job_id, at)
                SELECT id, old, \(change.toSQL), \(change.reasonSQL), $4, $3 FROM moved
            ), cooldown AS (
                -- Each newly inactive contact's cycle starts when its cooldown ends (at least 30
                -- days: scheduled, no worker to wake): one job each, enqueued set-based in this
                -- batch's transaction through the queue's insert (see ReactivationCycle.swift).
                \(JobStore(schema: schema).insertStatement(rowsOf: """
                    SELECT jsonb_build_object('contact_id', m.id, 'step', 1) AS args,
                           $3::timestamptz + make_interval(days => coalesce(
                               (SELECT s.days FROM unnest($5::text[], $8::int8[]) AS s(segment, days) WHERE s.segment = c.segment), $9)::int)
                               AS run_at,
                           \(ContactJobs.subject(sql: "m.id")) AS subject
                    FROM moved m JOIN \(schema.qualified("contacts")) c ON c.id = m.id
                    """, columns: [.subject], firstParameter: 10))
            )
            \(batchSummary(changed: "moved"))
            """
    }
}

/// The sweep as a job (installed schedule `inactivity_sweep`, daily 03:00 UTC).
public typealias InactivitySweepJob = ContactPassJob<InactivitySweep>
