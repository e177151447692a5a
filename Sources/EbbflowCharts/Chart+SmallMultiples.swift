// One small panel per series, each on its own y scale: members per stream, where a shared scale hides all but the largest.

extension Chart {
    static let maxPanels = 12, panelHeight = 170.0

    /// One panel per series of `spec` (at most 12: the rest are summed into "other"), laid
    /// out `columns` a row (1–6), each panel an area over the shared time axis with its own
    /// y scale (0 to its own maximum) and the markers as dashed lines. Why: stacked, a stream
    /// of 40 members under one of 4,000 is a sliver nobody sees. The width is `spec.size`'s;
    /// the height follows from the number of rows.
    public static func smallMultiples(_ spec: ChartSpec, columns: Int = 3) -> RenderedChart {
        let data = TimeData(spec, maxSeries: maxPanels)
        let columns = min(max(columns, 1), 6, max(1, data.series.count))
        let rows = max(1, (data.series.count + columns - 1) / columns)
        let size = Size(width: data.size.width, height: 48 + Double(rows) * panelHeight + 40)
        var sized = data
        sized.size = size
        let table = data.table()
        let description = data.description()
        let xLabel = data.unit == .day ? "date (UTC)" : "time (UTC)"
        guard !data.isEmpty else {
            let plot = Plot(left: 76, top: 56, right: size.width - 24, bottom: size.height - 56)
            return Chrome.chart(
                id: data.id, title: data.title, description: description, size: size,
                drawing: Chrome.noData(id: data.id, plot: plot, xLabel: xLabel, yLabel: data.yLabel), table: table)
        }
        let panelWidth = (size.width - 16) / Double(columns)
        var out = ""
        for (index, series) in data.series.enumerated() {
            let left = 8 + Double(index % columns) * panelWidth, top = 48 + Double(index / columns) * panelHeight
            out += panel(sized, series: series, left: left, top: top, width: panelWidth)
        }
        out += """
            <text class="x-label" x="\(SVGText.number(size.width / 2))" y="\(SVGText.number(size.height - 14))" \
            text-anchor="middle" font-size="13" fill="\(Chrome.ink)">\(SVGText.escape(xLabel)); \
            each panel has its own \(SVGText.escape(data.yLabel)) scale</text>

            """
        return Chrome.chart(
            id: data.id, title: data.title, description: description, size: size, drawing: out, table: table)
    }

    /// One panel: the series' name, its area and line on its own scale, 0 and top ticks, date
    /// ticks (at most four), the y axis named.
    static func panel(_ data: TimeData, series: PreparedSeries, left: Double, top: Double, width: Double) -> String {
        var single = data
        single.series = [series]
        let values = series.values.map { max(0, $0 ?? 0) }
        let ticks = Ticks.nice(maximum: values.max() ?? 0)
        let base = TimeFrame(single, yTicks: [ticks.first ?? 0, ticks.last ?? 5], padded: false)
        let plot = Plot(left: left + 58, top: top + 30, right: left + width - 14, bottom: top + panelHeight - 40)
        let frame = base.placed(in: plot)
        let id = "\(data.id)-series-\(series.key)"
        var out = "<g id=\"\(id)\">\n"
        out += """
            <text x="\(SVGText.number(left + 8))" y="\(SVGText.number(top + 16))" font-size="13" font-weight="bold" \
            fill="\(Chrome.ink)">\(SVGText.escape(SVGText.clip(series.name, max(8, Int(width / 8)))))</text>

            """
        out += "<g stroke=\"\(Palette.grid.hex)\">\n"
        for tick in frame.yTicks { out += frame.line(plot.left, frame.y(tick), plot.right, frame.y(tick)) }
        out += "</g>\n"
        let xs = data.times.count == 1 ? [frame.start, frame.end] : data.times
        let drawn = data.times.count == 1 ? [values[0], values[0]] : values
        let crest = zip(xs, drawn).map { point(frame.x($0), frame.y($1)) }
        let area = crest + [point(frame.x(xs[xs.count - 1]), frame.y(0)), point(frame.x(xs[0]), frame.y(0))]
        out += """
            <path d="M\(area.joined(separator: " L"))Z" fill="\(series.colour.hex)" fill-opacity="0.3"/>
            <path d="M\(crest.joined(separator: " L"))" fill="none" stroke="\(series.colour.hex)" stroke-width="2"><title>\
            \(SVGText.escape(series.name))</title></path>

            """
        for marker in data.markers where marker.at >= frame.start && marker.at <= frame.end {
            out += """
                <line x1="\(SVGText.number(frame.x(marker.at)))" y1="\(SVGText.number(plot.top))" \
                x2="\(SVGText.number(frame.x(marker.at)))" y2="\(SVGText.number(plot.bottom))" stroke="\(Chrome.ink)" \
                stroke-dasharray="4 3"><title>\(SVGText.escape(marker.label))</title></line>

                """
        }
        out += "<g fill=\"\(Chrome.ink)\" font-size=\"11\">\n"
        out += frame.line(plot.left, plot.bottom, plot.right, plot.bottom, stroke: Chrome.ink)
        out += frame.line(plot.left, plot.top, plot.left, plot.bottom, stroke: Chrome.ink)
        for tick in frame.yTicks {
            out += frame.text(plot.left - 6, frame.y(tick) + 4, frame.yFormat(tick), anchor: "end")
        }
        let dates = TimeAxis.ticks(from: frame.start, to: frame.end, unit: data.unit)
        let every = max(1, (dates.count + 3) / 4)
        for (index, tick) in dates.enumerated() where index % every == 0 {
            out += frame.line(frame.x(tick.at), plot.bottom, frame.x(tick.at), plot.bottom + 4, stroke: Chrome.ink)
            out += frame.text(frame.x(tick.at), plot.bottom + 16, tick.label, anchor: "middle")
        }
        let middle = SVGText.number(plot.top + plot.height / 2), x = SVGText.number(left + 12)
        out += """
            <text x="\(x)" y="\(middle)" transform="rotate(-90 \(x) \(middle))" text-anchor="middle">\
            \(SVGText.escape(data.yLabel))</text>

            """
        return out + "</g>\n</g>\n"
    }
}

extension TimeFrame {
    /// The same scales drawn into another plot area (a small multiple's panel).
    func placed(in plot: Plot) -> TimeFrame { TimeFrame(copying: self, plot: plot) }

    init(copying other: TimeFrame, plot: Plot) {
        data = other.data
        self.plot = plot
        start = other.start
        end = other.end
        yTicks = other.yTicks
        yLow = other.yLow
        yHigh = other.yHigh
        legendSVG = ""
        yFormat = other.yFormat
    }
}
