// Sends per flow as the dashboard rollup last counted them, for the flows table.
import EbbflowCore
import Foundation
import PostgresClient

/// One flow's (or stream's: sends.flow names either) sends.
public struct FlowSendCount: Sendable, Equatable {
    public var flow: String
    public var sends: Int
    /// When the rollup counted them.
    public var computedAt: Date
}

/// Why not `FlowStore`'s count: there is no index on sends.flow (a btree would cost every
/// send a write), so counting per flow reads every send (seconds at 2,000,000); the
/// `dashboard_rollup` job keeps `flow_send_counts` (sql/engine/0032) every 5 minutes.
public struct FlowSendCounts: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Every counted flow by name: the whole small table (one row per flow or stream that ever
    /// sent), by its primary key.
    public func read(on connection: isolated PGConnection) throws -> [FlowSendCount] {
        try connection.query(
            """
            SELECT flow, sends, computed_at FROM \(identifier: schema.qualified("flow_send_counts")) ORDER BY flow LIMIT 10000
            """
        ).rows.map {
            FlowSendCount(
                flow: try $0.decode("flow"), sends: try $0.decode("sends"), computedAt: try $0.decode("computed_at"))
        }
    }
}
