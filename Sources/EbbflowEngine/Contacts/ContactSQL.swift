// The SQL statements on contacts as such (upsert, locks in the one order, recent sends), schema-qualified.
import EbbflowCore

struct ContactSQL: Sendable {
    let schema: SchemaName
    var contacts: String { schema.qualified("contacts") }
    var sends: String { schema.qualified("sends") }

    /// $1 external id, $2 email, $3 segment, $4 now.
    var upsertContact: String {
        """
        INSERT INTO \(contacts) (external_id, email, segment, status_changed_at, created_at) VALUES ($1, $2, $3, $4, $4)
        ON CONFLICT (external_id) DO UPDATE SET email = excluded.email, segment = excluded.segment
        RETURNING id, (xmax = 0) AS inserted
        """
    }

    /// Contacts $1 locked in id order: the engine's one lock order, so chunks and event
    /// application cannot deadlock. Run before any read that must see what the lock holder
    /// committed: under READ COMMITTED a statement that waited for a lock re-reads only the
    /// locked rows, so joined rows and subqueries would come from before the wait.
    var lockContacts: String {
        "SELECT id FROM \(contacts) WHERE id = ANY($1) ORDER BY id FOR UPDATE"
    }

    /// Contacts $1 (locked first with `lockContacts`), each with its sends since $2 that count
    /// toward the frequency cap (`FrequencyCap.countedStates`).
    var contactsWithRecentSends: String {
        """
        SELECT c.id, c.campaign_status::text AS status, c.channel, c.segment,
               coalesce((SELECT array_agg(s.at) FROM \(sends) s WHERE s.contact_id = c.id AND s.at > $2
                         AND s.state IN \(EngagementPolicy.FrequencyCap.countedStates)), '{}') AS recent_sends
        FROM \(contacts) c WHERE c.id = ANY($1) ORDER BY c.id
        """
    }
}
