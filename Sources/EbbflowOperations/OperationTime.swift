// Times in documents and tables: one text form for both front doors.
import EbbflowCore
import Foundation

/// The one way an operation writes a time (the CLI's `Output.time` calls it too).
public enum OperationTime {
    /// Proleptic Gregorian, as stored: Foundation's `.iso8601` printed 0001-01-01 as 0001-01-03.
    public static func text(_ date: Date) -> String { ISO8601Text.string(date) }

    /// For tables: "-" when there is no time.
    public static func text(_ date: Date?) -> String { date.map(text) ?? "-" }
}
