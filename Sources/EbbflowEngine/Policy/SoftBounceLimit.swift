// The policy's soft-bounce limit (N soft bounces within D days suppress a contact), as a nested, bounded policy field.
import EbbflowCore
import Foundation

extension EngagementPolicy {
    /// `soft_bounce_limit: {bounces: 3, days: 30}`. Why a limit and not the first soft bounce:
    /// a soft bounce is a full mailbox or a server that said "later", usually gone by the next
    /// send; several within a short window mean an address that no longer takes mail, and
    /// mailing it on hurts the sender's reputation with every provider.
    public struct SoftBounceLimit: Codable, Sendable, Equatable {
        /// Soft bounces, the one being applied included, that suppress the contact.
        public var bounces: Int = 3
        /// The window, in days, that many soft bounces must fall within (up to the newest one).
        public var days: Int = 30
        public init() {}
        private enum CodingKeys: String, CodingKey { case bounces, days }
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            bounces = try container.decodeIfPresent(Int.self, forKey: .bounces) ?? 3
            days = try container.decodeIfPresent(Int.self, forKey: .days) ?? 30
        }

        /// At most this many bounces: a limit higher than any window holds is no limit.
        public static let bouncesBound = 1...100

        /// The window's length in seconds.
        public var window: TimeInterval { Double(days) * 86_400 }

        /// Refuses a count or a window out of bounds, naming the field (`field` adds the policy's path).
        func validate(_ field: (String) -> String) throws(PolicyError) {
            do {
                _ = try InputBounds.integer(bounces, field: field("soft_bounce_limit.bounces"), in: Self.bouncesBound)
                _ = try InputBounds.integer(days, field: field("soft_bounce_limit.days"), in: Bounds.days)
            } catch { throw PolicyError(error) }
        }

        /// Whether a soft bounce at `at` reaches the limit, given the contact's earlier soft
        /// bounces (`earlier`, any order; dates after `at` are not counted). The window is the
        /// `days` up to `at`: a bounce exactly `days` older has left it.
        public func isReached(at: Date, earlier: [Date]) -> Bool {
            let start = at.addingTimeInterval(-window)
            return 1 + earlier.filter { $0 > start && $0 <= at }.count >= bounces
        }
    }
}
