// The migration lines (one numbered sequence per module) and where the old single sequence went.

/// One module's sequence of migrations, in `sql/<line>/`, numbered from 0001 (River's
/// "migration lines"). Why lines: a module's tables are changed only by its own files, and a
/// module can gain a migration without taking a number from another's sequence.
public enum MigrationLine: String, Sendable, CaseIterable, Comparable {
    /// The clock every module reads.
    case core
    /// The job queue's tables and functions (`jobs`, `finished_jobs`, schedules, workers).
    case queue
    /// The engagement engine: contacts, events, flows, streams, experiments.
    case engine
    /// The HTTP API of `ebbflow serve`: its keys.
    case api

    /// Lines apply in this order: each may use what the lines before it created, never after.
    public var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// Where each file of the single sequence (sql/0001..0026, no 0021, recorded by version alone
/// in `schema_migrations`) lives now. The files moved with their text unchanged, so the
/// checksums recorded before still match; the migrator rewrites a database's old bookkeeping
/// rows with this table once, in one transaction (`Migrator.convertLegacyBookkeeping`).
public enum LegacyMigrations {
    public static let places: [(version: Int, line: MigrationLine, number: Int, fileName: String)] = [
        (1, .core, 1, "0001_clock.sql"),
        (2, .queue, 1, "0001_jobs.sql"),
        (3, .engine, 1, "0001_engagement.sql"),
        (4, .engine, 2, "0002_engine_schedules.sql"),
        (5, .engine, 3, "0003_flows.sql"),
        (6, .engine, 4, "0004_audience_snapshots.sql"),
        (7, .engine, 5, "0005_pending_events.sql"),
        (8, .engine, 6, "0006_events_at_volume_and_decay.sql"),
        (9, .queue, 2, "0002_completion_at_commit.sql"),
        (10, .queue, 3, "0003_statistics_refresh.sql"),
        (11, .engine, 7, "0007_streams.sql"),
        (12, .engine, 8, "0008_stream_memberships.sql"),
        (13, .engine, 9, "0009_stream_steps.sql"),
        (14, .engine, 10, "0010_stream_goals.sql"),
        (15, .engine, 11, "0011_experiment_promotions.sql"),
        (16, .engine, 12, "0012_reactivation_content.sql"),
        (17, .engine, 13, "0013_stream_date_entries.sql"),
        (18, .engine, 14, "0014_experiment_auto_promotion.sql"),
        (19, .engine, 15, "0015_stream_versions.sql"),
        (20, .engine, 16, "0016_event_idempotency_keys.sql"),
        (22, .engine, 17, "0017_events_settled_or_rejected.sql"),
        (23, .engine, 18, "0018_flow_interval_bound.sql"),
        (24, .queue, 4, "0004_builtin_schedules.sql"),
        (25, .queue, 5, "0005_statistics_refresh_owner.sql"),
        (26, .engine, 19, "0019_channel_follows_status.sql"),
    ]
}
