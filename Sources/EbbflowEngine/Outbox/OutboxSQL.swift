// The SQL statement of the send outbox, qualified with the configured schema.
import EbbflowCore

struct OutboxSQL: Sendable {
    let schema: SchemaName
    var contacts: String { schema.qualified("contacts") }

    /// Up to $1 pending sends due by the clock, oldest first, claimed SKIP LOCKED and marked
    /// handed over in the same statement; returned with their contact's address.
    var claimSends: String {
        let sends = schema.qualified("sends")
        return """
            WITH clock AS MATERIALIZED (SELECT \(schema.qualified("clock_now"))() AS now),
            picked AS (
                SELECT id FROM \(sends) WHERE state = 'pending' AND at <= (SELECT now FROM clock)
                ORDER BY id LIMIT $1
                FOR UPDATE SKIP LOCKED
            )
            UPDATE \(sends) s SET state = 'sent', sent_at = (SELECT now FROM clock)
            FROM picked, \(contacts) c
            WHERE s.id = picked.id AND c.id = s.contact_id
            RETURNING s.id, c.external_id, c.email, s.flow, s.step, s.template, s.channel, s.at, s.format, s.variables
            """
    }
}
