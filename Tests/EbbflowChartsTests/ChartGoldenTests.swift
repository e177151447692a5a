// Whole charts compared byte for byte with files looked at once (EBBFLOW_UPDATE_GOLDENS=1 rewrites them).
import Foundation
import Testing

@testable import EbbflowCharts

@Suite struct ChartGoldenTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens")

    /// `chart` against `Goldens/NAME`; with EBBFLOW_UPDATE_GOLDENS=1 the file is written instead.
    func compare(_ chart: String, _ name: String) throws {
        let file = Self.directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["EBBFLOW_UPDATE_GOLDENS"] == "1" {
            try Data(chart.utf8).write(to: file)
        }
        let golden = try String(contentsOf: file, encoding: .utf8)
        #expect(chart == golden, "\(name) changed: look at the new drawing, then EBBFLOW_UPDATE_GOLDENS=1")
    }

    @Test func aSmallLineChart() throws {
        let start = Samples.start
        let spec = ChartSpec(
            id: "golden", title: "Sends & opens", summary: "Two days.",
            x: TimeAxis(instants: [start, start.addingTimeInterval(86_400)], unit: .day), yLabel: "emails",
            series: [
                Series(id: "sends", name: "sends", colour: Palette.active, values: [10, 12]),
                Series(id: "opens", name: "opens", colour: Palette.engaged, values: [3, nil]),
            ], markers: [Marker(at: start, label: "campaign")], size: Size(width: 400, height: 200))
        try compare(Chart.lines(spec).svg, "lines.svg")
    }

    @Test func aSmallBarChart() throws {
        let chart = Chart.bars(
            id: "why", title: "Suppressed", categoryLabel: "reason", categories: ["unsubscribed", "bounced"],
            values: [7, 2], unit: "contacts", width: 400)
        try compare(chart.svg, "bars.svg")
        #expect(
            chart.table
                == DataTable(
                    caption: "Suppressed", header: ["reason", "contacts"],
                    rows: [["unsubscribed", "7"], ["bounced", "2"]]))
    }
}
