// After both ways in: every event stored once and applied in each schema, and the same contacts' states in both.
import EbbflowCore
import Foundation
import PostgresClient

/// Why counted and compared in the database: a throughput figure only means something if the
/// work was done. Both schemas got the same events, so each must hold exactly that many rows
/// with distinct message ids, all applied, and every contact must end with the same status,
/// score and last engagement whichever way its events came in (the API applies "exactly as an
/// imported one").
enum IngestVerification {
    struct Stored: CustomStringConvertible {
        var rows: Int
        var distinctIDs: Int
        var unapplied: Int
        /// Jobs left queued (an `apply_events` job per insert would mean the events were not applied inline).
        var jobs: Int
        var description: String {
            "\(rows) rows, \(distinctIDs) distinct message ids, \(unapplied) not applied, \(jobs) jobs queued"
        }
    }

    static func stored(_ schema: SchemaName, on connection: PGConnection) async throws -> Stored {
        let row = try await connection.query(
            """
            SELECT count(*) AS rows, count(DISTINCT provider_event_id) AS ids,
                   count(*) FILTER (WHERE applied_at IS NULL OR points IS NULL) AS unapplied,
                   (SELECT count(*) FROM \(schema.qualified("jobs"))) AS jobs
            FROM \(schema.qualified("engagement_events"))
            """
        ).rows[0]
        return Stored(
            rows: try row.decode("rows"), distinctIDs: try row.decode("ids"), unapplied: try row.decode("unapplied"),
            jobs: try row.decode("jobs"))
    }

    struct Comparison: CustomStringConvertible {
        var contacts: Int
        var engaged: Int
        var scored: Int
        var differing: Int
        var example: String?
        var description: String {
            "\(contacts) contacts compared (\(scored) with a score, \(engaged) engaged), \(differing) differ"
                + (example.map { " (first: \($0))" } ?? "")
        }
    }

    /// Status, score (to 1e-6: sums in another order) and last engagement, contact by contact.
    static func compare(_ left: SchemaName, _ right: SchemaName, on connection: PGConnection) async throws -> Comparison
    {
        let (a, b) = (left.qualified("contacts"), right.qualified("contacts"))
        let differs = """
            a.external_id IS NULL OR b.external_id IS NULL OR a.campaign_status::text IS DISTINCT FROM b.campaign_status::text
            OR abs(a.engagement_score - b.engagement_score) > 1e-6 OR a.last_engagement_at IS DISTINCT FROM b.last_engagement_at
            """
        let row = try await connection.query(
            """
            SELECT count(*) AS contacts, count(*) FILTER (WHERE a.campaign_status = 'engaged') AS engaged,
                   count(*) FILTER (WHERE a.engagement_score > 0) AS scored, count(*) FILTER (WHERE \(differs)) AS differing,
                   min(coalesce(a.external_id, b.external_id) || ': ' || coalesce(a.campaign_status::text, 'missing') || ' '
                       || coalesce(a.engagement_score::text, '') || ' vs ' || coalesce(b.campaign_status::text, 'missing') || ' '
                       || coalesce(b.engagement_score::text, '')) FILTER (WHERE \(differs)) AS example
            FROM \(a) a FULL JOIN \(b) b ON a.external_id = b.external_id
            """
        ).rows[0]
        return Comparison(
            contacts: try row.decode("contacts"), engaged: try row.decode("engaged"), scored: try row.decode("scored"),
            differing: try row.decode("differing"), example: try row.decode("example", as: String?.self))
    }
}
