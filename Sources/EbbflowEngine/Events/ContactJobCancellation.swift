// Pending jobs an applied event made obsolete, cancelled in the events' own transaction.
import EbbflowCore
import Foundation
import PostgresClient

/// An engaged contact leaves the send flow at once (its flow steps and end-of-flow wait are
/// cancelled); a reactivated one ends its reactivation cycle (a stale step must not resume it
/// should the contact go inactive again). Cancelled jobs stay in `finished_jobs` with the reason.
struct ContactJobCancellation: AppliedEventsConsumer {
    let schema: SchemaName

    func eventsApplied(_ batch: AppliedEventBatch, on connection: isolated PGConnection) throws {
        let jobs = ContactJobs(schema: schema)
        let now = batch.now
        let moves = batch.applied.filter { $0.reason != nil }
        let engaged = Array(Set(moves.filter { $0.to == .engaged }.map(\.contactID)))
        if !engaged.isEmpty {
            try jobs.cancel(
                engaged, kinds: [FlowStepJob.self, FlowWaitEndJob.self], now: now,
                reason: "contact engaged: it left the send flow", on: connection)
        }
        let reactivated = Array(Set(moves.filter { $0.to == .reactivated }.map(\.contactID)))
        if !reactivated.isEmpty {
            try jobs.cancel(
                reactivated, kinds: [ReactivationStepJob.self], now: now,
                reason: "contact reactivated: its reactivation cycle ends", on: connection)
        }
    }
}
