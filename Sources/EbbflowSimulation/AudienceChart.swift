// The audience by status over the simulated days: the bands of the simulation's first chart.

/// The statuses stacked bottom to top, so the send flow (active, reactivated) sits on the axis
/// and the contacts who left email sit on top. Okabe–Ito colours, told apart with every common
/// colour-vision deficiency; the contacts who left email are a neutral grey.
public enum AudienceChart {
    static let bands: [(id: String, name: String, fill: String, value: @Sendable (DailyRow) -> Double)] = [
        ("active", "active", "#0072B2", { count($0.active) }),
        ("reactivated", "reactivated", "#009E73", { count($0.reactivated) }),
        ("engaged", "engaged", "#E69F00", { count($0.engaged) }),
        ("inactive", "inactive", "#CC79A7", { count($0.inactive) }),
        ("suppressed-ads", "suppressed / ads", "#8C8C8C", { count($0.suppressed) + count($0.movedToAds) }),
    ]

    /// A count as a plotted value; negatives draw as nothing (in Double, so two counts near
    /// Int.max add without trapping).
    static func count(_ value: Int) -> Double { Double(max(0, value)) }

    /// The chart of `rows` (in any order; drawn by day) under `title`.
    public static func svg(_ rows: [DailyRow], title: String) -> String {
        let sorted = rows.enumerated().sorted { ($0.element.day, $0.offset) < ($1.element.day, $1.offset) }.map(
            \.element)
        return StackedAreaChart.svg(
            days: sorted.map(\.day),
            bands: bands.map { band in
                StackedAreaChart.Band(id: band.id, name: band.name, fill: band.fill, values: sorted.map(band.value))
            }, title: title)
    }
}
