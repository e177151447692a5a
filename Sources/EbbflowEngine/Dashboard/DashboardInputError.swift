// Bad input to one of the dashboard's read models (a limit, a cursor, a number of days), naming the field.

/// Why one error type: the dashboard turns it into a 400 page that quotes `description`, which
/// always starts with the field's name (`before: …`, `limit: …`), whichever read refused it.
public struct DashboardInputError: Error, CustomStringConvertible, Sendable, Equatable {
    public var field: String
    public var reason: String
    public init(field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }
    public var description: String { "\(field): \(reason)" }

    /// Refuses `value` outside `range`, naming `field`.
    static func check(_ value: Int, _ field: String, in range: ClosedRange<Int>) throws(DashboardInputError) {
        guard range.contains(value) else {
            throw DashboardInputError(field: field, "\(value) is outside \(range.lowerBound)...\(range.upperBound)")
        }
    }
}
