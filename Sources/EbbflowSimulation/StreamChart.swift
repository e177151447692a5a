// Stream membership over the simulated days as small multiples: the bands of `simulate --streams`'s second chart.
import EbbflowCharts

/// One panel per stream in the run's order, each on its own scale, so entries, exits and the
/// arbiter's moves show for a stream of 40 members as well as for one of 4,000 (stacked, the
/// small ones were slivers). Contacts in no stream are left out (they are in the CSV's `none`
/// column). Campaign starts are marked in every panel.
public enum StreamChart {
    /// The chart of `rows` (in any order; drawn by date), whose `members` follow `streams`.
    public static func chart(
        _ rows: [StreamDailyRow], streams: [String], campaigns: [CampaignStart] = [], title: String
    ) -> RenderedChart {
        let sorted = SimulationDates.sorted(rows, day: \.day)
        let days = sorted.map { ($0.day, $0.date) }
        let series = streams.enumerated().map { index, name in
            Series(
                id: "stream-\(index)", name: name, colour: Palette.colour(at: index),
                values: sorted.map { index < $0.members.count ? Double($0.members[index]) : nil })
        }
        let spec = ChartSpec(
            id: "streams", title: title, summary: "Members of each stream at the end of each simulated day.",
            x: TimeAxis(instants: SimulationDates.instants(days), unit: .day), yLabel: "members", series: series,
            markers: SimulationDates.markers(campaigns, rows: days), size: .standard)
        return Chart.smallMultiples(spec, columns: 3)
    }
}
