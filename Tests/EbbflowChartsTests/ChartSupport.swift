// Helpers of the chart tests: sample specs, an XML well-formedness check, attribute scans.
import Foundation

@testable import EbbflowCharts

#if canImport(FoundationXML)
    import FoundationXML
#endif

enum Samples {
    /// 2026-01-05T00:00:00Z, a Monday.
    static let start = Date(timeIntervalSince1970: 1_767_571_200)

    static func days(_ count: Int, from start: Date = start) -> TimeAxis {
        TimeAxis(instants: (0..<count).map { start.addingTimeInterval(Double($0) * 86_400) }, unit: .day)
    }

    static func hours(_ count: Int) -> TimeAxis {
        TimeAxis(instants: (0..<count).map { start.addingTimeInterval(Double($0) * 3_600) }, unit: .hour)
    }

    /// An audience over `count` days: five statuses, a campaign marker every two weeks.
    static func audience(days count: Int, id: String = "audience", title: String = "Audience") -> ChartSpec {
        let names = ["active", "reactivated", "engaged", "inactive", "ads", "suppressed"]
        let series = names.enumerated().map { index, name in
            Series(
                id: name, name: name, colour: Palette.status(name)!,
                values: (0..<count).map { Double?(Double(100 * (index + 1) + $0 * (index % 3))) })
        }
        let markers = stride(from: 0, to: count, by: 14).map {
            Marker(at: start.addingTimeInterval(Double($0) * 86_400), label: "campaign d\($0)")
        }
        return ChartSpec(
            id: id, title: title, summary: "Contacts by status.", x: days(count), yLabel: "contacts", series: series,
            markers: markers)
    }

    /// Every chart kind drawn from `spec` (and bars and intervals of their own).
    static func everyKind(_ spec: ChartSpec) -> [RenderedChart] {
        [
            Chart.stackedArea(spec), Chart.stackedArea(spec, normalized: true), Chart.lines(spec),
            Chart.columns(spec, stacked: true), Chart.columns(spec, stacked: false),
            Chart.smallMultiples(spec, columns: 2),
            Chart.bars(
                id: spec.id, title: spec.title, categoryLabel: "reason", categories: spec.series.map(\.name),
                values: spec.series.map { $0.values.last.flatMap { $0 } ?? 0 }, unit: spec.yLabel),
            Chart.intervals(
                id: spec.id, title: spec.title,
                rows: spec.series.map {
                    IntervalRow(label: $0.name, estimate: 0.05, low: 0.03, high: 0.071, note: "n \($0.values.count)")
                }, axis: "conversion rate"),
        ]
    }
}

/// Parses `xml` and returns the parser's error, or nil when it is well-formed.
func xmlError(_ xml: String) -> String? {
    let parser = XMLParser(data: Data(xml.utf8))
    return parser.parse() ? nil : "\(parser.parserError.map { "\($0)" } ?? "unknown") at line \(parser.lineNumber)"
}

/// The values of every `name="…"` attribute in `svg`.
func attributeValues(_ name: String, in svg: String) -> [String] {
    svg.components(separatedBy: " \(name)=\"").dropFirst().compactMap {
        $0.split(separator: "\"").first.map(String.init)
    }
}
