// A suppressed contact's sends still waiting for an attempt, cancelled in the suppression's own transaction.
import EbbflowCore
import Foundation
import PostgresClient

/// Why at the suppression and not only at the next lease: a send left `pending` showed as due
/// in `sends list`, in `ebbflow_outbox_sends{state="pending"}` and in the oldest-due age for as
/// long as nothing leased (a team's own sender that stopped, a worker without delivery), and a
/// consumer that reads the outbox some other way could mail a contact who unsubscribed. A
/// `leased` send is left to its holder: the renewal before delivery and the finish re-check
/// the contact (`OutboxSQL.renew`), and cancelling it here would race the holder's ack.
struct SuppressedSends: Sendable {
    let schema: SchemaName

    /// The statement, with the contacts and the clock as SQL expressions: `contactIDs` an
    /// `int8[]`, `now` a `timestamptz`. One text for every path, so a set-based statement (an
    /// import's) can embed it as a CTE. `cancel_reason` is the lease's own (`suppressed`).
    static func cancel(sends: String, contactIDs: String, now: String) -> String {
        """
        UPDATE \(sends) SET state = 'cancelled', cancel_reason = 'suppressed', finished_at = \(now)
        WHERE contact_id = ANY(\(contactIDs)) AND state IN ('pending', 'failed')
        """
    }

    /// Cancels the `pending` and `failed` sends of `contactIDs` (each suppressed in the caller's
    /// transaction, at `now`, its clock); returns how many. One statement for any number of contacts.
    @discardableResult
    func cancel(_ contactIDs: [Int64], now: Date, on connection: isolated PGConnection) throws -> Int {
        guard !contactIDs.isEmpty else { return 0 }
        return try connection.execute(
            Self.cancel(sends: schema.qualified("sends"), contactIDs: "$1::int8[]", now: "$2"), [contactIDs, now])
    }
}
