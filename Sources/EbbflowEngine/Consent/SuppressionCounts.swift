// Suppressed contacts by reason, counted in one grouped query: what /metrics shows as ebbflow_suppressed_contacts.
import EbbflowCore
import Foundation
import PostgresClient

/// Why a count of the database and not a counter in the process: suppressions happen in every
/// process that applies events (serve's ingest, workers, imports, the CLI), so no one process
/// sees them all; the database does. One grouped query over the partial index of sql/engine/0023
/// (an index-only scan of the suppressed contacts) answers it, and every process that serves
/// /metrics reports the same numbers: aggregate with max(), not sum().
public struct SuppressionCounts: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// The gauge's name.
    public static let metric = "ebbflow_suppressed_contacts"
    /// Its `# HELP` text, for `EbbflowMetrics.bootstrapOnce`.
    public static let metricsHelp: [String: String] = [
        metric:
            "Suppressed contacts by suppression_reason (unknown: suppressed before the reason was kept), read from the database at most every 30 s."
    ]

    /// Suppressed contacts by reason; a contact without one counts as `unknown`.
    public func read(on connection: isolated PGConnection) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try connection.query(
            """
            SELECT coalesce(suppression_reason, 'unknown') AS reason, count(*) AS n FROM \(schema.qualified("contacts"))
            WHERE campaign_status = 'suppressed' GROUP BY 1
            """
        ).rows {
            counts[try row.decode("reason")] = try row.decode("n")
        }
        return counts
    }
}
