// Reads the ISO 8601 times SNS and SES write (`2026-12-07T10:00:00.123Z`, with or without the fraction).
import Foundation

enum SnsTimestamp {
    /// The instant `text` names, or nil. A formatter per call: Foundation's is not Sendable, and
    /// a message holds a handful of times at most.
    static func parse(_ text: String) -> Date? {
        guard text.utf8.count <= 64 else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
