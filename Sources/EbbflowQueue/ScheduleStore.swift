// Recurring schedules in the database: add, list, enable, remove, lock the due ones, advance.
import EbbflowCore
import Foundation
import PostgresClient

/// A row of `schedules`.
public struct ScheduleRow: Sendable {
    public var name: String
    public var cron: String
    public var timeZone: String
    public var kind: String
    public var args: PGJSON
    public var queue: String
    public var priority: Int
    public var maxAttempts: Int
    public var enabled: Bool
    public var nextRunAt: Date
    public var lastRunAt: Date?

    init(_ row: PGRow) throws {
        name = try row.decode("name")
        cron = try row.decode("cron")
        timeZone = try row.decode("time_zone")
        kind = try row.decode("kind")
        args = try row.decode("args")
        queue = try row.decode("queue")
        priority = try row.decode("priority")
        maxAttempts = try row.decode("max_attempts")
        enabled = try row.decode("enabled")
        nextRunAt = try row.decode("next_run_at")
        lastRunAt = try row.decode("last_run_at")
    }
}

public struct ScheduleStore: Sendable {
    let schema: SchemaName
    private var table: String { schema.qualified("schedules") }
    private static let columns =
        "name, cron, time_zone, kind, args, queue, priority, max_attempts, enabled, next_run_at, last_run_at"

    public init(schema: SchemaName) { self.schema = schema }

    /// Adds a schedule, or replaces the one of that name when `replace` is true; its first tick
    /// is the first after the database clock's now. Without `replace` (the default, for library
    /// callers as for the CLI), an existing name is refused: `schedules add inactivity_sweep …`
    /// once silently replaced the daily sweep.
    public func upsert(
        name: String, cron: CronSchedule, kind: String, args: PGJSON, queue: String, priority: Int,
        maxAttempts: Int, replace: Bool = false, on connection: isolated PGConnection
    ) throws -> ScheduleRow {
        guard !name.isEmpty else { throw QueueError.invalid("schedule name is empty") }
        // The job every tick will enqueue, checked now: refused at a tick, it would fire never.
        try NewJob(kind: kind, args: args, queue: queue, priority: priority, maxAttempts: maxAttempts).validate()
        let now = try DatabaseClock(schema: schema).now(on: connection)
        guard let next = cron.next(after: now) else {
            throw QueueError.invalid("cron expression \"\(cron.expression)\" never fires")
        }
        let onConflict =
            replace
            ? """
            DO UPDATE SET cron = excluded.cron, time_zone = excluded.time_zone, kind = excluded.kind,
                args = excluded.args, queue = excluded.queue, priority = excluded.priority,
                max_attempts = excluded.max_attempts, next_run_at = excluded.next_run_at, enabled = true
            """ : "DO NOTHING"
        let inserted = try connection.query(
            """
            INSERT INTO \(table) (name, cron, time_zone, kind, args, queue, priority, max_attempts, next_run_at)
            VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9)
            ON CONFLICT (name) \(onConflict)
            RETURNING \(Self.columns)
            """,
            [name, cron.expression, Self.zoneName(cron.timeZone), kind, args.text, queue, priority, maxAttempts, next]
        ).first
        guard let inserted else {
            let builtin =
                try isBuiltin(name, on: connection)
                ? " (a built-in; `ebbflow schedules restore \(name)` puts back its definition)" : ""
            throw QueueError.invalid("schedule \"\(name)\" already exists\(builtin); pass --replace to replace it")
        }
        return try ScheduleRow(inserted)
    }

    private var builtins: String { schema.qualified("builtin_schedules") }

    /// Whether `name` is one of the schedules ebbflow installs (sql/queue/0004's catalogue).
    public func isBuiltin(_ name: String, on connection: isolated PGConnection) throws -> Bool {
        try connection.query("SELECT 1 FROM \(builtins) WHERE name = $1", [name]).count == 1
    }

    /// The built-in schedules' names, in order.
    public func builtinNames(on connection: isolated PGConnection) throws -> [String] {
        try connection.query("SELECT name FROM \(builtins) ORDER BY name").rows.map { try $0.decode("name") }
    }

    /// Puts back built-in schedules; returns the names restored.
    ///
    /// Without a name, only the built-ins that are missing are inserted (as shipped, enabled):
    /// a present one is left exactly as the operator left it, disabled, on another `--tz` or
    /// with its next tick, because restoring all of them once re-enabled a schedule disabled on
    /// purpose and reset every next run. With a name, that one built-in gets its shipped
    /// definition back and is enabled; its next tick stays when its cron and zone were already
    /// the shipped ones and the tick is due or the next one anyway (a catch-up run is not lost),
    /// else it is the first tick after the database clock's now.
    ///
    /// Why a command and not `migrate`: a migration runs once, and it must not undo a change
    /// an operator made on purpose; restoring is the operator's explicit choice.
    public func restoreBuiltins(_ name: String? = nil, on connection: isolated PGConnection) throws -> [String] {
        let rows = try connection.query(
            """
            SELECT name, cron, time_zone, kind, args::text AS args, queue, priority, max_attempts FROM \(builtins)
            WHERE $1::text IS NULL OR name = $1 ORDER BY name
            """, [name])
        if let name, rows.count == 0 {
            let known = try builtinNames(on: connection).joined(separator: ", ")
            throw QueueError.invalid("no built-in schedule named \"\(name)\"; the built-ins are \(known)")
        }
        let onConflict =
            name == nil
            ? "DO NOTHING"
            : """
            DO UPDATE SET cron = excluded.cron, time_zone = excluded.time_zone, kind = excluded.kind,
                args = excluded.args, queue = excluded.queue, priority = excluded.priority,
                max_attempts = excluded.max_attempts, enabled = true,
                next_run_at = CASE WHEN (s.cron, s.time_zone) = (excluded.cron, excluded.time_zone)
                                        AND s.next_run_at <= excluded.next_run_at
                                   THEN s.next_run_at ELSE excluded.next_run_at END
            """
        let now = try DatabaseClock(schema: schema).now(on: connection)
        var restored: [String] = []
        for row in rows.rows {
            let zoneName: String = try row.decode("time_zone")
            let cron = try CronSchedule(
                parsing: try row.decode("cron"), timeZone: TimeZone(identifier: zoneName) ?? .gmt)
            guard let next = cron.next(after: now) else {
                throw QueueError.invalid("cron expression \"\(cron.expression)\" never fires")
            }
            let inserted = try connection.query(
                """
                INSERT INTO \(table) AS s (name, cron, time_zone, kind, args, queue, priority, max_attempts, next_run_at)
                VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9)
                ON CONFLICT (name) \(onConflict)
                RETURNING name
                """,
                [
                    try row.decode("name", as: String.self), cron.expression, zoneName,
                    try row.decode("kind", as: String.self),
                    try row.decode("args", as: String.self), try row.decode("queue", as: String.self),
                    try row.decode("priority", as: Int.self), try row.decode("max_attempts", as: Int.self), next,
                ]
            ).first
            if let inserted { restored.append(try inserted.decode("name")) }
        }
        return restored
    }

    /// The name a schedule's zone is stored and shown under: Foundation on Linux names UTC
    /// "GMT", which is not what the user typed (or the default, UTC).
    static func zoneName(_ zone: TimeZone) -> String { zone.identifier == "GMT" ? "UTC" : zone.identifier }

    public func list(on connection: isolated PGConnection) throws -> [ScheduleRow] {
        try connection.query("SELECT \(Self.columns) FROM \(table) ORDER BY name").rows.map(ScheduleRow.init)
    }

    /// Returns false when no schedule has that name.
    @discardableResult
    public func setEnabled(_ name: String, _ enabled: Bool, on connection: isolated PGConnection) throws -> Bool {
        try connection.execute("UPDATE \(table) SET enabled = $2 WHERE name = $1", [name, enabled]) == 1
    }

    @discardableResult
    public func remove(_ name: String, on connection: isolated PGConnection) throws -> Bool {
        try connection.execute("DELETE FROM \(table) WHERE name = $1", [name]) == 1
    }

    /// Makes a schedule due now, so the next scheduler pass enqueues it. Returns whether the
    /// schedule is enabled (a disabled one fires only once enabled), or nil when there is no
    /// schedule by that name.
    @discardableResult
    public func runNow(_ name: String, on connection: isolated PGConnection) throws -> Bool? {
        try connection.query(
            "UPDATE \(table) SET next_run_at = \(schema.qualified("clock_now"))() WHERE name = $1 RETURNING enabled",
            [name]
        ).first?.decode("enabled")
    }

    /// Brings back every tick that lies beyond the schedule's first tick after the database
    /// clock's now, and returns how many moved. Why: schedules are installed with ticks by the
    /// clock of that moment, so a simulation clock then set into the past (or reset after
    /// running ahead) would leave them months away and no sweep would ever fire. A tick already
    /// due, or the next one, is left as it is, so calling this after any clock change is safe:
    /// moving the clock forward never loses the one catch-up run.
    @discardableResult
    public func rebase(on connection: isolated PGConnection) throws -> Int {
        let now = try DatabaseClock(schema: schema).now(on: connection)
        var moved = 0
        for schedule in try list(on: connection) {
            guard
                let cron = try? CronSchedule(
                    parsing: schedule.cron, timeZone: TimeZone(identifier: schedule.timeZone) ?? .gmt),
                let next = cron.next(after: now), next < schedule.nextRunAt
            else { continue }
            try connection.execute("UPDATE \(table) SET next_run_at = $2 WHERE name = $1", [schedule.name, next])
            moved += 1
        }
        return moved
    }

    func lockDue(now: Date, on connection: isolated PGConnection) throws -> [ScheduleRow] {
        try connection.query(
            """
            SELECT \(Self.columns) FROM \(table) WHERE enabled AND next_run_at <= $1
            ORDER BY next_run_at FOR UPDATE SKIP LOCKED
            """, [now]
        ).rows.map(ScheduleRow.init)
    }

    func advance(_ name: String, lastRunAt: Date, nextRunAt: Date, on connection: isolated PGConnection) throws {
        try connection.execute(
            "UPDATE \(table) SET last_run_at = $2, next_run_at = $3 WHERE name = $1", [name, lastRunAt, nextRunAt])
    }
}
