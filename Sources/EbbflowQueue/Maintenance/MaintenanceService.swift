// One maintenance service as a value: its name, its period and the work it does on a connection.
import PostgresClient

/// Typed, not named by a string: a runner holds a list of these and runs each when its period
/// has passed, so adding a service is adding a value, and no switch can fall through to the
/// wrong one. Each is safe to run concurrently on many workers (SKIP LOCKED or idempotent
/// statements), so there is no leader to elect.
struct MaintenanceService: Sendable {
    /// For logs: "rescuer", "pruner", …
    let name: String
    let period: Duration
    /// Whether rows it touched can make jobs due now (a rescued job, a fired schedule): the
    /// claim loop is then woken instead of waiting for its poll.
    let makesWorkDue: Bool
    /// Returns how many rows it acted on.
    let run: @Sendable (isolated PGConnection) throws -> Int
}
