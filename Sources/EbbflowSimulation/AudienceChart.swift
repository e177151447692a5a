// The audience by status over the simulated days, with the campaigns' starts marked: the simulation's first chart.
import EbbflowCharts
import Foundation

/// The statuses stacked bottom to top, so the send flow (active, reactivated) sits on the axis
/// and the contacts who left email sit on top: the ones moved to ads, then the suppressed.
/// Ads and suppressed are bands of their own (one grey band hid whether the engine moved
/// contacts to ads or lost them). Colours are the shared palette's (Okabe–Ito).
public enum AudienceChart {
    static let bands: [(id: String, name: String, value: @Sendable (DailyRow) -> Int)] = [
        ("active", "active", { $0.active }),
        ("reactivated", "reactivated", { $0.reactivated }),
        ("engaged", "engaged", { $0.engaged }),
        ("inactive", "inactive", { $0.inactive }),
        ("ads", "ads", { $0.movedToAds }),
        ("suppressed", "suppressed", { $0.suppressed }),
    ]

    /// The chart of `rows` (in any order; drawn by date) under `title`, a dashed line at each
    /// campaign start. Negative counts draw as nothing.
    public static func chart(_ rows: [DailyRow], campaigns: [CampaignStart] = [], title: String) -> RenderedChart {
        let sorted = SimulationDates.sorted(rows, day: \.day)
        let instants = SimulationDates.instants(sorted.map { ($0.day, $0.date) })
        let series = bands.map { band in
            Series(
                id: band.id, name: band.name, colour: Palette.status(band.id) ?? Palette.other,
                values: sorted.map { Double(max(0, band.value($0))) })
        }
        let spec = ChartSpec(
            id: "audience", title: title,
            summary: "Contacts by campaign status at the end of each simulated day; dashed lines mark campaign starts.",
            x: TimeAxis(instants: instants, unit: .day), yLabel: "contacts", series: series,
            markers: SimulationDates.markers(campaigns, rows: sorted.map { ($0.day, $0.date) }), size: .standard)
        return Chart.stackedArea(spec)
    }
}

/// The days a simulation started campaigns, and the segments they went to.
public struct CampaignStart: Sendable, Equatable {
    public var day: Int
    public var date: String
    public var segments: [String]

    public init(day: Int, date: String, segments: [String]) {
        self.day = day
        self.date = date
        self.segments = segments
    }
}

/// Simulated days as instants on a chart's time axis.
enum SimulationDates {
    /// Rows by day, keeping the given order among equal days.
    static func sorted<Row>(_ rows: [Row], day: (Row) -> Int) -> [Row] {
        rows.enumerated().sorted { (day($0.element), $0.offset) < (day($1.element), $1.offset) }.map(\.element)
    }

    /// Each row's date as midnight UTC. A row whose date is not `yyyy-MM-dd` is placed by its
    /// day number from the first row that has one (or from 1970-01-01 when none has).
    static func instants(_ rows: [(day: Int, date: String)]) -> [Date] {
        let anchor = rows.lazy.compactMap { row in TimeAxis.utcDay(row.date).map { (row.day, $0) } }.first
        return rows.map { row in
            if let date = TimeAxis.utcDay(row.date) { return date }
            let (day, date) = anchor ?? (0, Date(timeIntervalSince1970: 0))
            let offset = Double(row.day) - Double(day)
            return date.addingTimeInterval(min(max(offset, -1e6), 1e6) * 86_400)
        }
    }

    /// One marker per campaign start, labelled with how many started and their segments, the
    /// count first: the chart clips a long label, the table and the line's tooltip keep it whole.
    static func markers(_ campaigns: [CampaignStart], rows: [(day: Int, date: String)]) -> [Marker] {
        let instants = instants(campaigns.map { ($0.day, $0.date) } + rows).prefix(campaigns.count)
        return zip(campaigns, instants).map { campaign, at in
            let segments = campaign.segments.joined(separator: ", ")
            let label =
                campaign.segments.count == 1
                ? "campaign (\(segments))" : "\(campaign.segments.count) campaigns (\(segments))"
            return Marker(at: at, label: label)
        }
    }
}
