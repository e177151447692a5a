// Horizontal bars per category: suppressions by reason, contacts by segment.

extension Chart {
    static let maxBars = 20

    /// One horizontal bar per category, in the order given (at most 20: the rest summed as
    /// "other"), its value written at its end; the value axis is named `unit` ("contacts"),
    /// the category axis `categoryLabel` ("reason"). Missing (past `values`' end), negative and
    /// non-finite values draw as 0. The height follows from the number of bars.
    public static func bars(
        id: String, title: String, summary: String = "", categoryLabel: String, categories: [String],
        values: [Double], unit: String, width: Double = 960
    ) -> RenderedChart {
        let chartID = SVGText.identifier(id)
        let title = SVGText.clip(title, 200), unit = SVGText.clip(unit, 60)
        let categoryLabel = SVGText.clip(categoryLabel, 60)
        var rows = categories.enumerated().map { index, name in
            (
                name: SVGText.clip(name, 40),
                value: index < values.count && values[index].isFinite ? min(max(values[index], 0), 1e15) : 0
            )
        }
        if rows.count > maxBars {
            let rest = rows[(maxBars - 1)...]
            rows =
                Array(rows.prefix(maxBars - 1)) + [
                    ("other (\(rest.count))", min(rest.reduce(0) { $0 + $1.value }, 1e15))
                ]
        }
        let table = DataTable(
            caption: title, header: [categoryLabel, unit], rows: rows.map { [$0.name, SVGText.value($0.value)] })
        var description = summary.isEmpty ? [] : [SVGText.clip(summary, 1_000)]
        description.append(
            rows.isEmpty
                ? "No data yet."
                : "\(unit.prefix(1).uppercased() + unit.dropFirst()) by \(categoryLabel): "
                    + rows.prefix(8).map { "\($0.name) \(SVGText.value($0.value))" }
                    .joined(separator: ", ") + (rows.count > 8 ? ", …" : "") + ".")
        let size = Size(width: width, height: 56 + Double(max(rows.count, 3)) * 26 + 56)
        let labelWidth = min(size.width * 0.35, max(60, rows.map { SVGText.width($0.name, fontSize: 12) }.max() ?? 0))
        let plot = Plot(left: 36 + labelWidth, top: 52, right: size.width - 90, bottom: size.height - 56)
        guard !rows.isEmpty else {
            return Chrome.chart(
                id: chartID, title: title, description: description.joined(separator: " "), size: size,
                drawing: Chrome.noData(id: chartID, plot: plot, xLabel: unit, yLabel: categoryLabel, yLabelX: 16),
                table: table)
        }
        let ticks = Ticks.nice(maximum: rows.map(\.value).max() ?? 0)
        let top = ticks.last ?? 5
        let xOf = { (value: Double) in plot.left + value / top * plot.width }
        var out = "<g id=\"\(chartID)-grid\" stroke=\"\(Palette.grid.hex)\">\n"
        for tick in ticks {
            out += "<line x1=\"\(SVGText.number(xOf(tick)))\" y1=\"\(SVGText.number(plot.top))\" "
            out += "x2=\"\(SVGText.number(xOf(tick)))\" y2=\"\(SVGText.number(plot.bottom))\"/>\n"
        }
        out += "</g>\n<g id=\"\(chartID)-series\" font-size=\"12\" fill=\"\(Chrome.ink)\">\n"
        let rowHeight = plot.height / Double(max(rows.count, 3))
        for (index, row) in rows.enumerated() {
            let y = plot.top + Double(index) * rowHeight
            let middle = SVGText.number(y + rowHeight / 2 + 4)
            out += """
                <text x="\(SVGText.number(plot.left - 8))" y="\(middle)" text-anchor="end">\(SVGText.escape(row.name))</text>
                <rect x="\(SVGText.number(plot.left))" y="\(SVGText.number(y + rowHeight * 0.15))" \
                width="\(SVGText.number(xOf(row.value) - plot.left))" height="\(SVGText.number(rowHeight * 0.7))" \
                fill="\(Palette.colour(at: 0).hex)"><title>\(SVGText.escape(row.name)): \(SVGText.value(row.value))</title></rect>
                <text x="\(SVGText.number(xOf(row.value) + 6))" y="\(middle)">\(SVGText.value(row.value))</text>

                """
        }
        out += "</g>\n<g id=\"\(chartID)-axes\" font-size=\"12\" fill=\"\(Chrome.ink)\">\n"
        out += """
            <line x1="\(SVGText.number(plot.left))" y1="\(SVGText.number(plot.bottom))" x2="\(SVGText.number(plot.right))" \
            y2="\(SVGText.number(plot.bottom))" stroke="\(Chrome.ink)"/>
            <line x1="\(SVGText.number(plot.left))" y1="\(SVGText.number(plot.top))" x2="\(SVGText.number(plot.left))" \
            y2="\(SVGText.number(plot.bottom))" stroke="\(Chrome.ink)"/>

            """
        for tick in ticks {
            out += """
                <text x="\(SVGText.number(xOf(tick)))" y="\(SVGText.number(plot.bottom + 18))" text-anchor="middle">\
                \(SVGText.axis(tick, scale: top))</text>

                """
        }
        out += "</g>\n" + Chrome.axisLabels(plot: plot, xLabel: unit, yLabel: categoryLabel, yLabelX: 16)
        return Chrome.chart(
            id: chartID, title: title, description: description.joined(separator: " "), size: size, drawing: out,
            table: table)
    }
}
