// Setting the database clock by hand, with the schedules rebased in the same transaction.
import EbbflowCore
import Foundation
import PostgresClient

/// Where a hand move puts the clock.
public enum ClockMove: Sendable, Equatable {
    /// Frozen at this time (simulation databases only).
    case set(Date)
    /// Back to the database's real time.
    case reset
}

/// The clock as an operator or the simulator moves it. Why not `DatabaseClock` alone: schedules
/// are installed with ticks by the clock of that moment, so a clock set into the past (or reset
/// after running ahead) would leave their ticks months away and no daily pass would fire.
/// "Setting the clock rebases schedules" is this one rule, kept here; `clock set`, `clock reset`
/// and the simulator's day 0 all move the clock through `move`.
public struct ClockControl: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Moves the clock and brings back every schedule tick the move left in the future
    /// (`ScheduleStore.rebase`), in the caller's transaction. Every caller opens one (`clock set`,
    /// `clock reset`, the simulator's day 0): a clock moved without its rebase leaves the
    /// schedules' ticks where no daily pass fires.
    public func move(_ move: ClockMove, on connection: isolated PGConnection) throws {
        let clock = DatabaseClock(schema: schema)
        switch move {
        case .set(let time): try clock.set(time, on: connection)
        case .reset: try clock.reset(on: connection)
        }
        try ScheduleStore(schema: schema).rebase(on: connection)
    }
}
