// The SQL statements of an administrator's suppress and unsuppress, schema-qualified.
import EbbflowCore

struct ConsentSQL: Sendable {
    let schema: SchemaName
    var contacts: String { schema.qualified("contacts") }

    /// Contact $1 by external id, locked (the one lock any writer of the contact takes). NO KEY
    /// UPDATE, as the applier's (Events/EventSQL.swift says why): FOR UPDATE would also wait on
    /// the KEY SHARE that every transaction inserting an event for the contact holds until it
    /// commits, so an administrator's suppress would queue behind in-flight ingests.
    var lockContact: String {
        """
        SELECT id, campaign_status::text AS status, suppression_reason FROM \(contacts) WHERE external_id = $1
        FOR NO KEY UPDATE
        """
    }

    /// Contact $1 takes status `change.to`, reason $3 on the contact (NULL when the change lifts
    /// a suppression: sql/engine/0023 clears it anyway), and its audit row with detail $4 at $2.
    /// The status moves only from `change`'s own statuses (checked in Swift before, and here).
    func change(_ change: StatusChange) -> String {
        """
        WITH moved AS (
            SELECT id, campaign_status AS from_status FROM \(contacts) WHERE id = $1 AND campaign_status IN (\(change.fromSQL))
        ), updated AS (
            UPDATE \(contacts) c SET campaign_status = \(change.toSQL),
                status_changed_at = CASE WHEN c.campaign_status = \(change.toSQL) THEN c.status_changed_at ELSE $2 END,
                suppression_reason = $3
            FROM moved WHERE c.id = moved.id RETURNING c.id
        )
        INSERT INTO \(schema.qualified("transitions")) (contact_id, from_status, to_status, reason, at, detail)
        SELECT id, from_status, \(change.toSQL), \(change.reasonSQL), $2, $4 FROM moved
        """
    }
}
