// When a Segment message happened: its timestamp, else its device time corrected by sentAt, else the database clock.
import EbbflowCore
import Foundation

/// Segment's rule for a message's time. `timestamp` is when it happened. Without one, a device
/// clock's `originalTimestamp` is corrected by the skew its `sentAt` shows against the server's
/// clock at receipt: happened = received − (sentAt − originalTimestamp). Without either, it
/// happened when received (the database clock, read in the transaction).
enum SegmentTiming: Sendable, Equatable {
    case at(Date)
    /// `originalTimestamp` is `sentAt − ahead` on the device's clock: it happened `ahead`
    /// seconds before the server received it.
    case beforeReceipt(ahead: TimeInterval)
    case received

    /// The largest correction taken: ten years, the bound of every duration ebbflow reads, so a
    /// corrected time stays far inside what `Date` and `timestamptz` hold.
    static let maxCorrection = InputBounds.maxDurationSeconds

    /// From a message's `timestamp`, `originalTimestamp` and `sentAt` (the message's own, else
    /// its batch's).
    static func of(_ fields: SegmentFields, batchSentAt: Date?) throws(MessageProblem) -> SegmentTiming {
        if let timestamp = try fields.time("timestamp") { return .at(timestamp) }
        let sentAt = try fields.time("sentAt") ?? batchSentAt
        guard let original = try fields.time("originalTimestamp") else { return .received }
        guard let sentAt else { return .at(original) }
        let ahead = sentAt.timeIntervalSince(original)
        guard abs(ahead) <= maxCorrection else {
            throw MessageProblem(
                "sentAt is more than ten years from originalTimestamp: one of them is not a time this message was sent",
                field: fields.name("sentAt"))
        }
        return .beforeReceipt(ahead: ahead)
    }

    /// The event's `occurred_at` (nil: the insert's clock), given when the request was received.
    func occurredAt(receivedAt: Date) -> Date? {
        switch self {
        case .at(let date): date
        case .beforeReceipt(let ahead): receivedAt.addingTimeInterval(-ahead)
        case .received: nil
        }
    }
}
