// The SQL of ingest beyond what events and contact imports already own: the segments of page visitors.
import EbbflowCore

struct IngestSQL: Sendable {
    let schema: SchemaName

    /// $1 external ids: the segment of each that is a contact, for its policy's `high_intent_pages`.
    var segments: String {
        "SELECT external_id, segment FROM \(schema.qualified("contacts")) WHERE external_id = ANY($1::text[])"
    }
}
