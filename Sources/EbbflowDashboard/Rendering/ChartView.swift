// A drawn chart as the `chart` partial shows it: the SVG in a figure, its numbers in a table behind a disclosure.
import EbbflowCharts

/// Why a table behind every chart: a screen reader, a keyboard and a person copying numbers
/// need them, and the table works without the chart's colours; `<details>` keeps it one
/// keypress away without making the page twice as long.
enum ChartView {
    static func context(_ chart: RenderedChart) -> [String: any Sendable] {
        [
            "svg": chart.svg, "caption": chart.table.caption,
            "header": chart.table.header.map { ["cell": $0] as [String: any Sendable] },
            "rows": chart.table.rows.map { row in
                ["cells": row.map { ["cell": $0] as [String: any Sendable] }] as [String: any Sendable]
            },
        ]
    }
}
