// Why a whole ingest request is refused with nothing stored: a typed error the HTTP layer maps to its status.
import Foundation

/// A request refused whole; nothing of it was stored. Why typed: the HTTP layer maps each case
/// to its status (`malformed` → 400, `messageTooLarge` → 413) and prints `reason` and `field`
/// as `{"error": …, "field": …}`; no other error comes from a client's bytes.
public enum IngestError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body cannot be read as the endpoint's (not JSON, not an object, `batch` not a
    /// non-empty array, an unknown key, or for a single-message endpoint any fault of the
    /// message). `field` names the field at fault (`userId`, `properties.url`, `batch`), nil
    /// for the body as a whole.
    case malformed(reason: String, field: String?)
    /// A single-message body longer than `limit` bytes (Segment's 32 KB).
    case messageTooLarge(bytes: Int, limit: Int)

    public var reason: String {
        switch self {
        case .malformed(let reason, _): reason
        case .messageTooLarge(let bytes, let limit):
            "the message is \(bytes) bytes, more than \(limit) (the most one message may be)"
        }
    }

    public var field: String? {
        switch self {
        case .malformed(_, let field): field
        case .messageTooLarge: nil
        }
    }

    public var description: String { reason }
}
