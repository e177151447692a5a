// Every SQL statement of the database clock, in one place.

struct ClockSQL: Sendable {
    let schema: SchemaName

    var now: String { "SELECT \(schema.qualified("clock_now"))() AS now" }

    /// What `clock_now()` (sql/core/0001) computes, as an expression. `ClockTests` checks that the two agree.
    var nowExpression: String {
        """
        coalesce((SELECT c.frozen_at FROM \(schema.qualified("clock")) c, \(schema.qualified("database_info")) d WHERE d.simulation),
                 pg_catalog.now())
        """
    }

    var status: String {
        """
        SELECT \(schema.qualified("clock_now"))() AS now, c.frozen_at, d.simulation, pg_catalog.now() AS real_now
        FROM \(schema.qualified("clock")) c CROSS JOIN \(schema.qualified("database_info")) d
        """
    }

    var simulation: String { "SELECT simulation FROM \(schema.qualified("database_info"))" }

    var set: String { "UPDATE \(schema.qualified("clock")) SET frozen_at = $1" }

    /// Advancing an unset clock starts from the real time, so `advance 3d` means "3 days from now".
    var advance: String {
        """
        UPDATE \(schema.qualified("clock")) SET frozen_at = coalesce(frozen_at, pg_catalog.now()) + make_interval(secs => $1)
        WHERE coalesce(frozen_at, pg_catalog.now()) + make_interval(secs => $1) < timestamptz '10000-01-01 00:00:00+00'
        """
    }

    var reset: String { "UPDATE \(schema.qualified("clock")) SET frozen_at = NULL" }
}
