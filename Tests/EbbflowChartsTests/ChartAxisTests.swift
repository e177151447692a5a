// Dates on the time axis, round value ticks, locale-free numbers, small multiples on their own scales, markers and the table.
import Foundation
import Testing

@testable import EbbflowCharts

@Suite struct ChartAxisTests {
    let day = 86_400.0
    var start: Double { Samples.start.timeIntervalSince1970 }

    @Test func timeTicksAreDates() {
        let week = TimeAxis.ticks(from: start, to: start + 6 * day, unit: .day).map(\.label)
        #expect(week == ["Jan 5", "Jan 6", "Jan 7", "Jan 8", "Jan 9", "Jan 10", "Jan 11"])
        let weeks = TimeAxis.ticks(from: start + day, to: start + 40 * day, unit: .day).map(\.label)
        #expect(weeks == ["Jan 12", "Jan 19", "Jan 26", "Feb 2", "Feb 9"], "Mondays")
        let months = TimeAxis.ticks(from: start, to: start + 179 * day, unit: .day).map(\.label)
        #expect(months == ["Feb 2026", "Mar 2026", "Apr 2026", "May 2026", "Jun 2026", "Jul 2026"])
        let hours = TimeAxis.ticks(from: start - 6 * 3_600, to: start + 6 * 3_600, unit: .hour).map(\.label)
        #expect(hours == ["18:00", "20:00", "22:00", "Jan 5", "02:00", "04:00", "06:00"])
        let years = TimeAxis.ticks(from: start, to: start + 2_000 * day, unit: .day).map(\.label)
        #expect(years == ["Jan 2027", "Jan 2028", "Jan 2029", "Jan 2030", "Jan 2031"])
        for span in [1.0, 3, 13, 15, 60, 92, 200, 399, 401, 801, 1_101, 40_000] {
            let ticks = TimeAxis.ticks(from: start, to: start + span * day, unit: .day)
            #expect((1...14).contains(ticks.count), "\(span) days: \(ticks.map(\.label))")
            #expect(ticks.allSatisfy { !$0.label.contains("day") })
        }
        #expect(
            TimeAxis.ticks(from: .nan, to: 1, unit: .day).isEmpty && TimeAxis.ticks(from: 5, to: 5, unit: .hour).isEmpty
        )
    }

    @Test func civilDatesRoundTrip() {
        #expect(CivilTime(seconds: start).fullDate == "Jan 5 2026" && CivilTime(seconds: start).isoDate == "2026-01-05")
        #expect(CivilTime(seconds: 951_782_400).isoDate == "2000-02-29")
        #expect(CivilTime(seconds: -1).isoDate == "1969-12-31" && CivilTime(seconds: -1).clock == "23:59")
        for days in [-800_000, -1, 0, 59, 10_957, 20_458, 800_000] {
            let time = CivilTime(seconds: Double(days) * day)
            #expect(CivilTime.days(year: time.year, month: time.month, day: time.day) == days)
        }
    }

    @Test func theChartShowsDatesNeverDayNumbers() {
        let chart = Chart.stackedArea(Samples.audience(days: 120))
        #expect(chart.svg.contains(">Feb 2026</text>") && chart.svg.contains(">date (UTC)</text>"))
        #expect(chart.table.rows.first?.first == "Jan 5 2026" && chart.table.rows.last?.first == "May 4 2026")
        let hourly = Chart.columns(
            ChartSpec(
                id: "activity", title: "Events per hour", x: Samples.hours(48), yLabel: "events",
                series: [
                    Series(id: "opens", name: "opens", colour: Palette.active, values: (0..<48).map { Double($0) })
                ]),
            stacked: true)
        #expect(hourly.svg.contains(">12:00</text>") && hourly.svg.contains(">Jan 6</text>"))
        #expect(hourly.svg.contains(">time (UTC)</text>") && hourly.table.rows[1][0] == "Jan 5 2026 01:00")
    }

    @Test func valueTicksAreRound() {
        for maximum in [1.0, 7, 26, 260, 2_000, 5_200, 123_456, .nan, -3, 1e300] {
            let ticks = Ticks.nice(maximum: maximum)
            #expect((5...6).contains(ticks.count), "\(maximum): \(ticks)")
            #expect((ticks.last ?? 0) >= min(maximum.isFinite ? maximum : 0, 1e15))
            #expect(ticks.allSatisfy { $0 == $0.rounded() })
        }
        #expect(Ticks.nice(minimum: -3, maximum: 7) == [-4, -2, 0, 2, 4, 6, 8])
        let fractions = Ticks.nice(minimum: 0, maximum: 0.071)
        #expect(fractions.first == 0 && (fractions.last ?? 0) >= 0.071 && fractions.count <= 6)
    }

    @Test func numbersAreLocaleFree() {
        #expect(SVGText.number(1.25) == "1.3" && SVGText.number(-0.4) == "-0.4" && SVGText.number(-0.04) == "0")
        #expect(SVGText.number(12) == "12" && SVGText.number(.nan) == "0" && SVGText.number(.infinity) == "0")
        #expect(SVGText.axis(1_500, scale: 2_000) == "1,500" && SVGText.axis(12_500, scale: 15_000) == "12.5k")
        #expect(SVGText.axis(0, scale: 15_000) == "0" && SVGText.axis(2_000_000, scale: 2_000_000) == "2M")
        #expect(SVGText.axis(0.25, scale: 1) == "0.25")
        #expect(SVGText.value(1_234_567) == "1,234,567" && SVGText.value(0.125) == "0.13" && SVGText.value(nil) == "–")
        #expect(SVGText.value(-2.5) == "-2.5" && SVGText.percent(0.0345) == "3.5 %")
    }

    @Test func smallMultiplesHaveTheirOwnScales() {
        let spec = ChartSpec(
            id: "streams", title: "Members per stream", x: Samples.days(30), yLabel: "members",
            series: [
                Series(
                    id: "welcome", name: "welcome", colour: Palette.colour(at: 0), values: (0..<30).map { _ in 4_000 }),
                Series(
                    id: "birthday", name: "birthday", colour: Palette.colour(at: 1), values: (0..<30).map { _ in 40 }),
            ])
        let chart = Chart.smallMultiples(spec, columns: 2)
        #expect(
            chart.svg.contains(">4,000</text>") && chart.svg.contains(">40</text>"),
            "each panel tops at its own maximum")
        #expect(
            chart.svg.contains("id=\"streams-series-welcome\"") && chart.svg.contains("id=\"streams-series-birthday\""))
        // The small stream's line is as high in its panel as the large one's in its own.
        let tops = attributeValues("d", in: chart.svg).filter { !$0.hasSuffix("Z") }.map {
            $0.split(separator: " ").first!
        }
        #expect(tops.count == 2 && tops[0].split(separator: ",")[1] == tops[1].split(separator: ",")[1], "\(tops)")
        #expect(Chart.smallMultiples(spec, columns: 1).svg.contains("viewBox=\"0 0 960 428\""), "two rows")
    }

    @Test func markersAreDrawnAndListed() {
        let chart = Chart.stackedArea(Samples.audience(days: 30))
        #expect(chart.svg.components(separatedBy: "stroke-dasharray=\"4 3\"").count - 1 == 3)
        #expect(chart.svg.contains(">campaign d14</text>") || chart.svg.contains("<title>campaign d14</title>"))
        #expect(chart.table.header.last == "Markers" && chart.table.rows[14].last == "campaign d14")
        #expect(chart.table.rows[13].last == "")
        let desc = chart.svg.components(separatedBy: "<desc id=\"audience-desc\">")[1].components(
            separatedBy: "</desc>")[0]
        #expect(
            desc.hasPrefix(
                "Contacts by status. Daily values from Jan 5 2026 to Feb 3 2026. Latest (Feb 3 2026): active 100,"))
        #expect(desc.contains("Marked: campaign d0; campaign d14; campaign d28."))
    }

    @Test func normalizedStacksAreShares() {
        let chart = Chart.stackedArea(Samples.audience(days: 3), normalized: true)
        #expect(chart.svg.contains(">100 %</text>"))
        let shares = chart.table.rows[0].dropFirst().prefix(6).compactMap { Double($0) }
        #expect(abs(shares.reduce(0, +) - 100) < 0.1, "\(shares)")
    }
}

@Suite struct UTCDayTests {
    @Test func datesAsTextBecomeMidnights() {
        #expect(TimeAxis.utcDay("2026-01-05") == Samples.start && TimeAxis.utcDay("2026-1-5") == Samples.start)
        for bad in [
            "", "d", "2026-02-30", "2026-13-01", "2026-01", "2026-01-05-", "-1-01-01", "2026-01-05T00:00", "٢٠٢٦-01-05",
        ] {
            #expect(TimeAxis.utcDay(bad) == nil, "\(bad)")
        }
    }
}
