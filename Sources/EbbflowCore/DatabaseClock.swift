// The one clock: the database's now(), movable only in a simulation database.
public import Foundation
public import PostgresClient

/// What `ebbflow clock show` prints.
public struct ClockStatus: Sendable {
    /// The time ebbflow's SQL sees.
    public var now: Date
    /// The override in force, if any.
    public var frozenAt: Date?
    public var simulation: Bool
    /// The server's real time.
    public var realNow: Date
}

/// Reads and, in a simulation database, moves the clock that all of ebbflow's SQL uses.
///
/// Code reads `now(on:)` once per transaction and passes the value into its statements, so
/// every row of a sweep sees the same instant and the clock function runs once, not per row.
public struct DatabaseClock: Sendable {
    private let sql: ClockSQL

    public init(schema: SchemaName) { sql = ClockSQL(schema: schema) }

    /// The clock as an SQL expression, for a statement that runs so often that calling
    /// `clock_now()` costs more than its work. Why: a SQL function with a `SET` clause is never
    /// inlined, so each execution of the calling statement parses and plans the function's body
    /// again; this expression is planned once with the statement. The same definition as the
    /// function (checked by a test), so there is still one clock.
    public static func nowExpression(schema: SchemaName) -> String { ClockSQL(schema: schema).nowExpression }

    public func now(on connection: isolated PGConnection) throws -> Date {
        try connection.query(sql.now).first!.decode("now")
    }

    public func status(on connection: isolated PGConnection) throws -> ClockStatus {
        let row = try connection.query(sql.status).first!
        return ClockStatus(
            now: try row.decode("now"), frozenAt: try row.decode("frozen_at"),
            simulation: try row.decode("simulation"), realNow: try row.decode("real_now"))
    }

    /// Freezes the clock at `time`.
    public func set(_ time: Date, on connection: isolated PGConnection) throws {
        try requireSimulation(on: connection)
        try connection.execute(sql.set, [time])
    }

    /// Moves the clock forward (from the frozen time, or from now if it is not frozen).
    public func advance(by seconds: Double, on connection: isolated PGConnection) throws {
        guard seconds >= 0, seconds.isFinite else {
            throw PGError(.invalidConfiguration, "the clock only moves forward; use `clock set` to go back")
        }
        _ = try InputBounds.seconds(seconds, field: "clock advance", minimum: 0)
        try requireSimulation(on: connection)
        // The clock stays inside the years every reader can hold (up to 9999-12-31).
        guard try connection.execute(sql.advance, [seconds]) == 1 else {
            throw BoundError(
                field: "clock advance", value: DurationText.text(seconds: seconds),
                bound: "would move the clock past 9999-12-31")
        }
    }

    /// Back to the database's real time.
    public func reset(on connection: isolated PGConnection) throws {
        try connection.execute(sql.reset)
    }

    private func requireSimulation(on connection: isolated PGConnection) throws {
        guard try connection.query(sql.simulation).first?.decode("simulation", as: Bool.self) == true else {
            throw ClockError.notSimulation(schema: sql.schema.name)
        }
    }
}

/// Why the clock did not move.
public enum ClockError: Error, CustomStringConvertible, Sendable {
    case notSimulation(schema: String)

    public var description: String {
        switch self {
        case .notSimulation(let schema):
            "refusing to move the clock: schema \(schema) is not a simulation database (create one with `ebbflow migrate --simulation`)"
        }
    }
}
