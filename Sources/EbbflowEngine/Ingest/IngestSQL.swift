// The SQL of ingest beyond what events and contact imports already own: page visitors' segments, identify ids.
import EbbflowCore

struct IngestSQL: Sendable {
    let schema: SchemaName

    /// $1 external ids: the segment of each that is a contact, for its policy's `high_intent_pages`.
    var segments: String {
        "SELECT external_id, segment FROM \(schema.qualified("contacts")) WHERE external_id = ANY($1::text[])"
    }

    /// $1 messageIds, $2 external ids, $3 now: records each identify message not recorded
    /// before, and returns the ids it recorded. A repeat (stored before, or earlier in $1)
    /// conflicts and is left out.
    var recordIdentifyMessages: String {
        """
        INSERT INTO \(schema.qualified("ingest_identify_messages")) (message_id, external_id, received_at)
        SELECT u.message_id, u.external_id, $3::timestamptz FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(message_id, external_id, ord)
        ORDER BY u.ord
        ON CONFLICT (message_id) DO NOTHING
        RETURNING message_id
        """
    }
}
