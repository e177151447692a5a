// The one error every operation throws: what went wrong, in the words the CLI has always printed.
import EbbflowQueue

/// Why an operation refused. The message is the line the CLI prints (`Error: <message>`, exit
/// 1), so both front doors say the same thing; the HTTP layer maps the case to a status
/// (404, 400, 409) and sends `{"error": message, "field": field}`. Every message is made from
/// the caller's input and stored names only: safe to print, never a secret.
public enum OperationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing has that name or id.
    case notFound(String)
    /// The input itself is wrong; `field` names the parameter when one is to blame.
    case invalid(String, field: String?)
    /// The thing exists but is in a state that refuses the action (retrying a running job).
    case conflict(String)

    public var message: String {
        switch self {
        case .notFound(let message), .invalid(let message, _), .conflict(let message): message
        }
    }

    /// The parameter to blame, if any.
    public var field: String? {
        if case .invalid(_, let field) = self { return field }
        return nil
    }

    public var description: String { message }

    /// The queue's refusals of an admin action, sorted into the three kinds.
    static func from(_ error: QueueError) -> OperationError {
        switch error {
        case .notFound: .notFound(error.description)
        case .wrongState, .lostLease: .conflict(error.description)
        case .invalid: .invalid(error.description, field: nil)
        }
    }
}
