// Why a message cannot be written as MIME: the field at fault and the reason.

public struct MIMEError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The header or part at fault (`Subject`, `From`, `List-Unsubscribe`, `body`).
    public var field: String
    public var reason: String

    public init(field: String, _ reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "\(field): \(reason)" }
}
