// A contact's own jobs: the queue subject they carry, and cancelling them by contact.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// Flow steps, end-of-flow waits, reactivation and stream steps are each about one contact,
/// and each carries the queue's `subject` 'contact:<id>'. Why: an event that makes a contact
/// engaged, reactivated or leave a stream cancels that contact's pending jobs of those kinds
/// in its own transaction (`JobStore.cancelPending`, indexed by subject), without the engine
/// knowing how the queue stores jobs.
struct ContactJobs: Sendable {
    let schema: SchemaName

    /// The subject of contact `id`'s jobs.
    static func subject(_ id: Int64) -> String { "contact:\(id)" }

    /// The same subject computed in SQL from a contact id expression (fixed SQL, never input).
    static func subject(sql idExpression: String) -> String { "'contact:' || \(idExpression)" }

    /// Pending jobs of `kinds` for `contacts` are cancelled (kept as cancelled, with `reason`),
    /// in the caller's transaction: an engaged contact leaves the send flow at once, a
    /// reactivated one ends its reactivation cycle (a stale step must not resume it should the
    /// contact go inactive again), one that left a stream loses its pending steps.
    func cancel(
        _ contacts: [Int64], kinds: [any JobKind.Type], now: Date, reason: String, on connection: isolated PGConnection
    ) throws {
        try JobStore(schema: schema).cancelPending(
            kinds: kinds, subjects: contacts.map(Self.subject), now: now, reason: reason,
            on: connection)
    }
}
