// Stream membership over the simulated days: the bands of `simulate --streams`'s second chart.

/// One band per stream in the run's order, so entries, exits and the arbiter's moves show as
/// bands swelling and shrinking. Contacts in no stream are left out of the chart (they are in
/// the CSV's `none` column): most of an audience is in no stream most days, and a band for
/// them would squash the streams into a sliver at the bottom.
public enum StreamChart {
    /// Okabe–Ito colours (black left out: it hides the grid), reused in turn past seven streams.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442"]

    /// The chart of `rows` (in any order; drawn by day), whose `members` follow `streams`.
    public static func svg(_ rows: [StreamDailyRow], streams: [String], title: String) -> String {
        let sorted = rows.enumerated().sorted { ($0.element.day, $0.offset) < ($1.element.day, $1.offset) }.map(
            \.element)
        let bands = streams.enumerated().map { index, name in
            StackedAreaChart.Band(
                id: "stream-\(index)", name: name, fill: palette[index % palette.count],
                values: sorted.map { index < $0.members.count ? Double($0.members[index]) : 0 })
        }
        return StackedAreaChart.svg(days: sorted.map(\.day), bands: bands, title: title)
    }
}
