// The policy's delivery fields: quiet hours, a segment's default time zone, and how many attempts a send gets.
import EbbflowCore
import Foundation

extension EngagementPolicy {
    /// `quiet_hours: {start: "21:00", end: "08:00"}`: no send is leased while the contact's local
    /// time is in [start, end) (wrapping midnight when start > end); such a send waits to the end
    /// of them in the contact's zone, with no attempt used. Why in the policy: when mail may
    /// arrive is the CRM team's call, per segment if need be.
    public struct QuietHours: Codable, Sendable, Equatable {
        /// "HH:MM", 24-hour, local to the contact.
        public var start: String
        public var end: String
        public init(start: String, end: String) {
            self.start = start
            self.end = end
        }

        /// Refuses a time that is not `HH:MM` (00:00 to 23:59) and an empty window (start = end).
        func validate(_ field: (String) -> String) throws(PolicyError) {
            for (name, value) in [("start", start), ("end", end)] where Self.minutes(value) == nil {
                throw PolicyError(
                    field: field("quiet_hours.\(name)"), value: JSONText.quoted(String(value.prefix(32))),
                    reason: "must be a 24-hour local time HH:MM, 00:00 to 23:59")
            }
            guard start != end else {
                throw PolicyError(
                    field: field("quiet_hours"), value: "\(start) to \(end)",
                    reason: "start and end must differ (leave quiet_hours out for none)")
            }
        }

        /// Minutes since midnight of `HH:MM`, or nil.
        static func minutes(_ text: String) -> Int? {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            guard text.utf8.count == 5, parts.count == 2,
                parts.allSatisfy({ $0.utf8.allSatisfy { $0 >= 48 && $0 <= 57 } }),
                let hours = Int(parts[0]), let minutes = Int(parts[1]), hours < 24, minutes < 60
            else { return nil }
            return hours * 60 + minutes
        }
    }

    /// The bounds of `delivery_max_attempts`: at least one attempt, at most 50 (with the
    /// backoff's cap of 6 hours, 50 attempts span about twelve days).
    public static let deliveryMaxAttemptsBounds = 1...50
    /// A time zone name's length at most (the longest IANA name is 32 bytes).
    public static let timeZoneNameBytes = 64

    /// Whether `name` is an IANA time zone Foundation knows (`UTC` included). PostgreSQL
    /// checks again when it applies it (`time_zone_names`, sql/engine/0031): a zone it does
    /// not know falls back to UTC rather than failing a lease.
    public static func isKnownTimeZone(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= timeZoneNameBytes else { return false }
        return name == "UTC" || knownTimeZones.contains(name)
    }
    private static let knownTimeZones = Set(TimeZone.knownTimeZoneIdentifiers)

    /// Refuses bad delivery fields, naming them.
    func validateDelivery(_ field: (String) -> String) throws(PolicyError) {
        do {
            _ = try InputBounds.integer(
                deliveryMaxAttempts, field: field("delivery_max_attempts"), in: Self.deliveryMaxAttemptsBounds)
        } catch { throw PolicyError(error) }
        try quietHours?.validate(field)
        if let zone = defaultTimezone, !Self.isKnownTimeZone(zone) {
            throw PolicyError(
                field: field("default_timezone"), value: JSONText.quoted(String(zone.prefix(64))),
                reason: "must be an IANA time zone name such as Europe/Paris or America/New_York")
        }
    }
}
