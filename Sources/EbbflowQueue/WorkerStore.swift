// The live worker processes for the dashboard: queues, concurrency, heartbeat age, stale flag, jobs running.
import EbbflowCore
import Foundation
import PostgresClient

/// One registered worker process (a row of `workers`, written at start, beaten by its
/// heartbeat, deleted at a clean stop; the rescuer forgets a row silent for an hour).
public struct WorkerRow: Sendable, Hashable {
    public var id: String
    public var queues: [String]
    public var concurrency: Int
    public var startedAt: Date
    public var heartbeatAt: Date
    /// Real seconds since the last heartbeat (the server's `now()`, not the business clock:
    /// heartbeats are real time, and a simulation's clock may be frozen or days ahead).
    public var heartbeatAgeSeconds: Double
    /// Silent for more than three heartbeat intervals: probably dead (its leases will lapse
    /// and the rescuer will hand its jobs to others).
    public var stale: Bool
    /// Jobs this worker holds now (`running`, `locked_by` = its id).
    public var running: Int
}

/// Reads `workers` with the running jobs of each.
public struct WorkerStore: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// The most rows `list` returns; a deployment runs a handful of workers.
    public static let maximumRows = 1_000

    /// A worker's default heartbeat interval: a third of the default 30 s lease
    /// (`WorkerConfiguration.leaseSeconds`). Workers do not record theirs.
    public static let defaultHeartbeatSeconds = 10.0

    /// Live workers, oldest first, at most `maximumRows`. `heartbeatSeconds` is the interval
    /// the deployment's workers beat at (a third of their `leaseSeconds`): a worker silent for
    /// more than three of them is `stale`.
    public func list(
        heartbeatSeconds: Double = WorkerStore.defaultHeartbeatSeconds, on connection: isolated PGConnection
    )
        throws -> [WorkerRow]
    {
        guard heartbeatSeconds.isFinite, heartbeatSeconds > 0, heartbeatSeconds <= 86_400 else {
            throw QueueError.invalid(
                "heartbeat interval must be more than 0 and at most 86400 seconds, got \(heartbeatSeconds)")
        }
        return try connection.query(listSQL, [Self.maximumRows, heartbeatSeconds * 3]).rows.map { row in
            WorkerRow(
                id: try row.decode("id"), queues: try row.decode("queues"), concurrency: try row.decode("concurrency"),
                startedAt: try row.decode("started_at"), heartbeatAt: try row.decode("heartbeat_at"),
                heartbeatAgeSeconds: max(0, try row.decode("age")), stale: try row.decode("stale"),
                running: try row.decode("running"))
        }
    }

    /// `workers` by its primary key (a few rows); running jobs counted per worker over
    /// `jobs_running` (as many rows as the workers' total concurrency). $1 limit, $2 stale after seconds.
    var listSQL: String {
        """
        SELECT w.id, w.queues, w.concurrency, w.started_at, w.heartbeat_at,
               extract(epoch FROM pg_catalog.now() - w.heartbeat_at)::float8 AS age,
               w.heartbeat_at < pg_catalog.now() - make_interval(secs => $2::float8) AS stale,
               coalesce(r.running, 0)::int8 AS running
        FROM \(schema.qualified("workers")) w
        LEFT JOIN (
            SELECT locked_by, count(*) AS running FROM \(schema.qualified("jobs")) WHERE state = 'running' GROUP BY locked_by
        ) r ON r.locked_by = w.id
        ORDER BY w.started_at, w.id
        LIMIT $1
        """
    }
}
