// What one ingest request did, committed: how many messages were accepted, and each one refused with its reason.
import Foundation

/// One refused message of a request: its place (0-based in `batch`, or the 0-based line of an
/// NDJSON body, counting blank lines), its `messageId` (or `provider_event_id`) when it could
/// be read, and one line saying why.
public struct IngestRejection: Sendable, Equatable, Encodable, CustomStringConvertible {
    public var index: Int
    public var messageID: String?
    public var reason: String

    public init(index: Int, messageID: String?, reason: String) {
        self.index = index
        self.messageID = messageID
        self.reason = reason
    }

    /// The answer's names (`messageId` left out when unknown).
    private enum CodingKeys: String, CodingKey { case index, messageID = "messageId", reason }

    public var description: String { "message \(index)\(messageID.map { " (\($0))" } ?? ""): \(reason)" }
}

/// The answer to a request, returned only after its transaction committed. `accepted` counts
/// messages stored (or stored before: a repeat by `messageId` is accepted, and counted in
/// `duplicates` too) and contacts identified; an event kept but refused when settled (dated
/// past `max_future_skew`) is in `rejected`, never in `accepted`.
public struct IngestReport: Sendable, Equatable, Encodable {
    public var accepted = 0
    /// Accepted messages whose event was stored before (same `messageId`): counted once.
    public var duplicates = 0
    /// In index order.
    public var rejected: [IngestRejection] = []

    /// The answer's JSON is `{"accepted": N, "rejected": [{"index", "messageId", "reason"}]}`:
    /// `duplicates` is for logs and metrics, not the contract.
    private enum CodingKeys: String, CodingKey { case accepted, rejected }

    public init(accepted: Int = 0, duplicates: Int = 0, rejected: [IngestRejection] = []) {
        self.accepted = accepted
        self.duplicates = duplicates
        self.rejected = rejected
    }
}
