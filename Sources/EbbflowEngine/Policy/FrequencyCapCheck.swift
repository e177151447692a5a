// The marketing frequency cap (at most N sends per contact per D days), as one pure rule.
import Foundation

extension EngagementPolicy.FrequencyCap {
    /// The window's length in seconds.
    public var window: TimeInterval { Double(perDays) * 86_400 }

    /// nil if one more send at `now` stays within the cap; otherwise the first moment it would,
    /// when enough of the recent sends have left the window. Every marketing send (flow steps
    /// and reactivation emails) asks this under the contact's row lock, so two sends racing for
    /// the last slot cannot both take it.
    public func deferral(recentSends: [Date], now: Date) -> Date? {
        let inWindow = recentSends.filter { $0 > now.addingTimeInterval(-window) && $0 <= now }.sorted()
        guard inWindow.count >= sends else { return nil }
        // After the oldest (count - sends + 1) sends leave the window, one slot is free.
        return inWindow[inWindow.count - sends].addingTimeInterval(window)
    }

    /// The send states the cap counts, as an SQL list: a send that went out or may still go.
    /// A `cancelled` send (suppressed, engaged, left its stream before delivery) and a `dead`
    /// one (refused for good) never reached the contact, so they leave the slot free; counting
    /// them deferred the next send for a whole window after a send nobody received.
    /// `sends_contact_at (contact_id, at)` still serves the read: the state is a filter on the
    /// few rows of one contact's window.
    public static let countedStates = "('pending', 'leased', 'sent', 'failed')"

    /// The reason recorded when a send is deferred.
    public var reason: String { "frequency cap (\(sends) per \(perDays) days); deferred" }
}

extension PolicyDocument {
    /// The longest cap window of any segment: how far back a send check must read before it
    /// knows the contact's segment (the rule then filters by the segment's own window).
    public var longestCapWindow: TimeInterval {
        ([self.default] + Array(segments.values)).map(\.frequencyCap.window).max() ?? 0
    }
}
