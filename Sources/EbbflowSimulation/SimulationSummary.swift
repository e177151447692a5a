// The final summary of a simulation: sends saved against a static list, reactivation, time to engage.
import Foundation

public struct SimulationSummary: Sendable, Equatable {
    public var contacts: Int
    public var days: Int
    public var sends: Int
    /// What a static list would have sent: every contact, every campaign send.
    public var staticListSends: Int
    public var wentInactive: Int
    public var reactivated: Int
    public var medianDaysToEngage: Double?
    public var finalDay: DailyRow?

    public var sendsSavedFraction: Double { staticListSends > 0 ? 1 - Double(sends) / Double(staticListSends) : 0 }
    public var reactivationRate: Double { wentInactive > 0 ? Double(reactivated) / Double(wentInactive) : 0 }

    public var text: String {
        let median = medianDaysToEngage.map { String(format: "%.1f days", $0) } ?? "n/a (nobody engaged)"
        return """
            \(contacts) contacts over \(days) simulated days
            sends: \(sends) against \(staticListSends) for a static list \
            that mails everyone at every step (\(String(format: "%.1f", sendsSavedFraction * 100)) % saved)
            reactivation: \(reactivated) of \(wentInactive) contacts that went inactive came back (\(String(format: "%.1f", reactivationRate * 100)) %)
            median time from first send to engaged: \(median)
            """
    }
}
