// Charts of awkward inputs: empty, one point, NaN, infinities, negatives, ragged series, too many series, absurd dates.
import Foundation
import Testing

@testable import EbbflowCharts

@Suite struct ChartInputTests {
    func spec(_ values: [[Double?]], axis: TimeAxis, markers: [Marker] = []) -> ChartSpec {
        ChartSpec(
            id: "edge", title: "Edge", x: axis, yLabel: "things",
            series: values.enumerated().map {
                Series(
                    id: "s\($0.offset)", name: "series \($0.offset)", colour: Palette.colour(at: $0.offset),
                    values: $0.element)
            }, markers: markers)
    }

    func expectDrawable(_ spec: ChartSpec, _ comment: Comment) {
        for chart in Samples.everyKind(spec) {
            #expect(xmlError(chart.svg) == nil, comment)
            #expect(!chart.svg.lowercased().contains("nan") && !chart.svg.contains("inf"), comment)
            #expect(chart.svg.contains("<title id=\"edge-title\">Edge</title>"), comment)
        }
    }

    @Test func emptyDataIsAValidChartThatSaysSo() {
        for empty in [
            spec([], axis: Samples.days(0)), spec([[]], axis: Samples.days(0)), spec([], axis: Samples.days(5)),
        ] {
            expectDrawable(empty, "empty")
            for chart in [
                Chart.stackedArea(empty), Chart.lines(empty), Chart.columns(empty, stacked: true),
                Chart.smallMultiples(empty),
            ] {
                #expect(chart.svg.contains("No data yet") && chart.svg.contains(">things</text>"))
                #expect(chart.svg.contains("No data yet.</desc>"))
            }
        }
        let bars = Chart.bars(
            id: "b", title: "Bars", categoryLabel: "reason", categories: [], values: [], unit: "contacts")
        let intervals = Chart.intervals(id: "i", title: "Variants", rows: [], axis: "conversion rate")
        for chart in [bars, intervals] {
            #expect(xmlError(chart.svg) == nil && chart.svg.contains("No data yet") && chart.table.rows.isEmpty)
        }
    }

    @Test func nonFiniteNegativeRaggedAndOnePointInputsDoNotTrap() {
        let odd: [Double?] = [.nan, .infinity, -.infinity, -5, nil, 1e300, -1e300, 3, .greatestFiniteMagnitude]
        expectDrawable(spec([odd, [1], [], odd.reversed()], axis: Samples.days(9)), "odd values")
        expectDrawable(spec([[7], [nil]], axis: Samples.days(1)), "one day")
        expectDrawable(spec([[7]], axis: Samples.hours(1)), "one hour")
        expectDrawable(spec([[nil, nil, nil]], axis: Samples.days(3)), "all missing")
        expectDrawable(spec([[0, 0, 0]], axis: Samples.days(3)), "all zero")
        let far = TimeAxis(
            instants: [
                Date(timeIntervalSince1970: -1e18), .distantPast, .distantFuture, Date(timeIntervalSince1970: .nan),
            ],
            unit: .day)
        expectDrawable(
            spec([[1, 2, 3, 4]], axis: far, markers: [Marker(at: .distantFuture, label: "far")]), "far dates")
        let same = TimeAxis(instants: Array(repeating: Samples.start, count: 4), unit: .hour)
        expectDrawable(spec([[1, 2, 3, 4]], axis: same), "one instant four times")
        let intervals = Chart.intervals(
            id: "edge", title: "Edge",
            rows: [
                IntervalRow(label: "nan", estimate: .nan, low: .nan, high: .infinity),
                IntervalRow(label: "swapped", estimate: 0.5, low: 0.9, high: 0.1, note: nil),
                IntervalRow(label: "negative", estimate: -2, low: -3, high: -1),
            ], axis: "effect", format: .number)
        #expect(xmlError(intervals.svg) == nil && intervals.table.rows[0][1] == "–")
        #expect(intervals.table.rows[1][2] == "0.1" && intervals.table.rows[1][3] == "0.9", "low and high swapped")
        let bars = Chart.bars(
            id: "edge", title: "Edge", categoryLabel: "reason", categories: ["a", "b", "c"], values: [.nan, -1],
            unit: "contacts")
        #expect(xmlError(bars.svg) == nil && bars.table.rows.map { $0[1] } == ["0", "0", "0"])
    }

    @Test func unsortedInstantsAreDrawnInTimeOrder() {
        let axis = TimeAxis(
            instants: [2, 0, 1].map { Samples.start.addingTimeInterval(Double($0) * 86_400) }, unit: .day)
        let chart = Chart.lines(spec([[30, 10, 20]], axis: axis))
        #expect(chart.table.rows.map { $0[1] } == ["10", "20", "30"])
        #expect(chart.table.rows.map { $0[0] } == ["Jan 5 2026", "Jan 6 2026", "Jan 7 2026"])
    }

    @Test func moreThanEightSeriesAreGroupedAsOther() {
        let many = spec((0..<11).map { index in [Double(index), 1] }, axis: Samples.days(2))
        let chart = Chart.stackedArea(many)
        #expect(chart.table.header == ["Date (UTC)"] + (0..<7).map { "series \($0)" } + ["other (4)"])
        #expect(chart.table.rows[0].last == "34", "7 + 8 + 9 + 10")
        #expect(chart.svg.contains("id=\"edge-series-other\""))
        let panels = Chart.smallMultiples(spec((0..<14).map { _ in [1, 2] }, axis: Samples.days(2)))
        #expect(panels.table.header.count == 1 + 12 && panels.table.header.last == "other (3)")
    }

    @Test func longTextIsClipped() {
        let long = String(repeating: "x", count: 100_000)
        var big = spec([[1, 2]], axis: Samples.days(2), markers: [Marker(at: Samples.start, label: long)])
        big.title = long
        big.series[0].name = long
        big.summary = long
        for chart in Samples.everyKind(big) { #expect(chart.svg.utf8.count < 40_000) }
    }

    @Test func tooManyInstantsKeepTheLatest() {
        let chart = Chart.lines(spec([(0..<5_000).map(Double.init)], axis: Samples.hours(5_000)))
        #expect(chart.table.rows.count == 2_000 && chart.table.rows.last?[1] == "4,999")
    }
}
