// Estimates with their intervals, one row each: an experiment's variants and their conversion rates' 95 % intervals.

extension Chart {
    static let maxIntervalRows = 20

    /// One row per entry of `rows` (at most 20): a dot at the estimate and a whisker from
    /// `low` to `high` on a shared axis named `axis` (which always includes 0), the note at
    /// the right; `rowLabel` names the rows' axis. With `.percent`, values are fractions drawn as percentages (0.034 → "3.4 %").
    /// A row whose numbers are not finite is named with "no estimate" and drawn empty; a
    /// `low` above `high` is swapped; an estimate outside its interval is drawn where it is.
    public static func intervals(
        id: String, title: String, summary: String = "", rows: [IntervalRow], axis: String,
        rowLabel: String = "variant", format: ValueFormat = .percent, width: Double = 960
    ) -> RenderedChart {
        let chartID = SVGText.identifier(id)
        let title = SVGText.clip(title, 200), axis = SVGText.clip(axis, 60), rowLabel = SVGText.clip(rowLabel, 60)
        let rows = rows.prefix(maxIntervalRows).map { row in
            let bounded = { (value: Double) in value.isFinite ? min(max(value, -1e15), 1e15) : Double.nan }
            let (low, high) = (bounded(row.low), bounded(row.high))
            return IntervalRow(
                label: SVGText.clip(row.label, 40), estimate: bounded(row.estimate), low: min(low, high),
                high: max(low, high), note: row.note.map { SVGText.clip($0, 40) })
        }
        let show = { (value: Double) in
            value.isFinite ? (format == .percent ? SVGText.percent(value) : SVGText.value(value)) : "–"
        }
        let table = DataTable(
            caption: title, header: [rowLabel, "estimate", "low (95 %)", "high (95 %)", "note"],
            rows: rows.map { [$0.label, show($0.estimate), show($0.low), show($0.high), $0.note ?? ""] })
        var description = summary.isEmpty ? [] : [SVGText.clip(summary, 1_000)]
        description.append(
            rows.isEmpty
                ? "No data yet."
                : rows.map { "\($0.label) \(show($0.estimate)) (\(show($0.low)) to \(show($0.high)))" }
                    .joined(separator: "; ") + ".")
        let size = Size(width: width, height: 56 + Double(max(rows.count, 2)) * 34 + 56)
        let labelWidth = min(size.width * 0.3, max(60, rows.map { SVGText.width($0.label, fontSize: 12) }.max() ?? 0))
        let noteWidth = min(
            size.width * 0.25, max(40, rows.map { SVGText.width($0.note ?? "", fontSize: 12) }.max() ?? 0))
        let plot = Plot(left: 36 + labelWidth, top: 52, right: size.width - 24 - noteWidth, bottom: size.height - 56)
        let finite = rows.flatMap { [$0.estimate, $0.low, $0.high] }.filter(\.isFinite)
        guard !finite.isEmpty else {
            return Chrome.chart(
                id: chartID, title: title, description: description.joined(separator: " "), size: size,
                drawing: Chrome.noData(id: chartID, plot: plot, xLabel: axis, yLabel: rowLabel, yLabelX: 16),
                table: table)
        }
        let ticks = Ticks.nice(minimum: finite.min() ?? 0, maximum: finite.max() ?? 0)
        let (low, high) = (ticks.min() ?? 0, max(ticks.max() ?? 1, (ticks.min() ?? 0) + 1e-9))
        let xOf = { (value: Double) in plot.left + (min(max(value, low), high) - low) / (high - low) * plot.width }
        let n = SVGText.number
        var out = "<g id=\"\(chartID)-grid\" stroke=\"\(Palette.grid.hex)\">\n"
        for tick in ticks {
            out +=
                "<line x1=\"\(n(xOf(tick)))\" y1=\"\(n(plot.top))\" x2=\"\(n(xOf(tick)))\" y2=\"\(n(plot.bottom))\"/>\n"
        }
        out += "</g>\n<g id=\"\(chartID)-series\" font-size=\"12\" fill=\"\(Chrome.ink)\">\n"
        let rowHeight = plot.height / Double(max(rows.count, 2))
        let colour = Palette.active.hex
        for (index, row) in rows.enumerated() {
            let y = plot.top + (Double(index) + 0.5) * rowHeight
            out +=
                "<text x=\"\(n(plot.left - 8))\" y=\"\(n(y + 4))\" text-anchor=\"end\">\(SVGText.escape(row.label))</text>\n"
            if row.low.isFinite && row.high.isFinite {
                out += """
                    <g stroke="\(colour)" stroke-width="2"><title>\(SVGText.escape(row.label)): \(show(row.low)) to \
                    \(show(row.high))</title><line x1="\(n(xOf(row.low)))" y1="\(n(y))" x2="\(n(xOf(row.high)))" y2="\(n(y))"/>\
                    <line x1="\(n(xOf(row.low)))" y1="\(n(y - 6))" x2="\(n(xOf(row.low)))" y2="\(n(y + 6))"/>\
                    <line x1="\(n(xOf(row.high)))" y1="\(n(y - 6))" x2="\(n(xOf(row.high)))" y2="\(n(y + 6))"/></g>

                    """
            }
            if row.estimate.isFinite {
                out += """
                    <circle cx="\(n(xOf(row.estimate)))" cy="\(n(y))" r="5" fill="\(colour)"><title>\
                    \(SVGText.escape(row.label)): \(show(row.estimate))</title></circle>

                    """
            } else {
                out += "<text x=\"\(n(plot.left + 6))\" y=\"\(n(y + 4))\">no estimate</text>\n"
            }
            if let note = row.note {
                out += "<text x=\"\(n(plot.right + 10))\" y=\"\(n(y + 4))\">\(SVGText.escape(note))</text>\n"
            }
        }
        out += "</g>\n<g id=\"\(chartID)-axes\" font-size=\"12\" fill=\"\(Chrome.ink)\">\n"
        out +=
            "<line x1=\"\(n(plot.left))\" y1=\"\(n(plot.bottom))\" x2=\"\(n(plot.right))\" y2=\"\(n(plot.bottom))\" stroke=\"\(Chrome.ink)\"/>\n"
        for tick in ticks {
            let label =
                format == .percent
                ? SVGText.axis(tick * 100, scale: high * 100) + " %" : SVGText.axis(tick, scale: high)
            out += "<text x=\"\(n(xOf(tick)))\" y=\"\(n(plot.bottom + 18))\" text-anchor=\"middle\">\(label)</text>\n"
        }
        out += "</g>\n" + Chrome.axisLabels(plot: plot, xLabel: axis, yLabel: rowLabel, yLabelX: 16)
        return Chrome.chart(
            id: chartID, title: title, description: description.joined(separator: " "), size: size, drawing: out,
            table: table)
    }
}
