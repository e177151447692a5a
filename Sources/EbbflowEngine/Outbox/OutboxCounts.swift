// The outbox by state and the age of its oldest due send, in one query: what /metrics shows as ebbflow_outbox_*.
import EbbflowCore
import Foundation
import PostgresClient

/// Why from the database: sends are decided, leased and finished by every process (workers,
/// a team's sender through the API), so no one process sees them all. Only the open states
/// (pending, leased, failed) and `dead` are counted, each over its partial index (0029, 0031):
/// `sent` and `cancelled` are history and grow for ever (`sends list --state sent` reads them).
/// Every process serving /metrics reports the same numbers: aggregate with max(), not sum().
public struct OutboxCounts: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// The gauges' names.
    public static let sendsMetric = "ebbflow_outbox_sends"
    public static let oldestDueMetric = "ebbflow_outbox_oldest_due_seconds"
    /// The states `sendsMetric` is labelled with.
    public static let countedStates = ["pending", "leased", "failed", "dead"]
    /// Their `# HELP` texts, for `EbbflowMetrics.bootstrapOnce`.
    public static let metricsHelp: [String: String] = [
        sendsMetric:
            "Sends of the outbox by state (pending, leased, failed, dead), read from the database at most every 30 s.",
        oldestDueMetric:
            "Seconds since the oldest due pending or failed send became due (0: none waiting): a stalled consumer shows here.",
    ]

    /// Sends by counted state, and the age in seconds of the oldest due one.
    public func read(on connection: isolated PGConnection) throws -> (byState: [String: Int], oldestDue: Double) {
        guard let row = try connection.query(OutboxSQL(schema: schema).counts).first else { return ([:], 0) }
        var counts: [String: Int] = [:]
        for state in Self.countedStates { counts[state] = try row.decode(state) }
        return (counts, max(0, try row.decode("oldest_due_seconds")))
    }
}
