// Stacked bands over time: the audience by status, a share of decisions (normalized to 100 %).

extension Chart {
    /// Bands stacked bottom to top in `spec.series`' order over the time axis (missing,
    /// negative and non-finite values count as 0), with the markers as dashed lines. With
    /// `normalized`, each instant's bands are shares of its total (0–100 %): how an arbiter
    /// split its decisions, whatever their number. One instant is drawn one unit wide.
    public static func stackedArea(_ spec: ChartSpec, normalized: Bool = false) -> RenderedChart {
        let data = TimeData(spec)
        var values = data.series.map { $0.values.map { max(0, $0 ?? 0) } }
        let count = data.times.count
        if normalized {
            for index in 0..<count {
                let total = values.reduce(0) { $0 + $1[index] }
                for band in values.indices { values[band][index] = total > 0 ? values[band][index] / total * 100 : 0 }
            }
        }
        let totals = (0..<count).map { index in values.reduce(0) { $0 + $1[index] } }
        let ticks = normalized ? [0, 20, 40, 60, 80, 100] : Ticks.nice(maximum: totals.max() ?? 0)
        let frame = TimeFrame(
            data, yTicks: ticks, padded: false, yFormat: normalized ? { SVGText.number($0) + " %" } : nil)
        let table = data.table(values: normalized ? values.map { $0.map { Double?.some($0) } } : nil)
        let description = data.description(latestTotal: !normalized)
        guard !data.isEmpty else {
            return Chrome.chart(
                id: data.id, title: data.title, description: description, size: data.size, drawing: frame.empty(),
                table: table)
        }
        // One instant has no width: it is drawn at both ends of its unit.
        let xs = count == 1 ? [frame.start, frame.end] : data.times
        let drawn = count == 1 ? values.map { [$0[0], $0[0]] } : values
        var out = frame.background() + "<g id=\"\(data.id)-series\">\n"
        var lower = [Double](repeating: 0, count: xs.count)
        var labels: [(name: String, colour: Colour, y: Double)] = []
        for (series, bandValues) in zip(data.series, drawn) {
            let upper = zip(lower, bandValues).map { $0 + $1 }
            var points: [String] = []
            for (at, top) in zip(xs, upper) { points.append(point(frame.x(at), frame.y(top))) }
            for (at, bottom) in zip(xs, lower).reversed() { points.append(point(frame.x(at), frame.y(bottom))) }
            out += """
                <path id="\(data.id)-series-\(series.key)" fill="\(series.colour.hex)" d="M\(points.joined(separator: " L"))Z">\
                <title>\(SVGText.escape(series.name))</title></path>

                """
            if let top = upper.last, let bottom = lower.last, frame.y(bottom) - frame.y(top) >= 12 {
                labels.append((series.name, series.colour, frame.y((top + bottom) / 2)))
            }
            lower = upper
        }
        out += "</g>\n"
        // The bands hide the grid under them; faint white lines over them keep values readable.
        out += "<g id=\"\(data.id)-grid-over\" stroke=\"#FFFFFF\" stroke-opacity=\"0.45\" stroke-width=\"1\">\n"
        for tick in frame.yTicks where tick > frame.yLow && tick < frame.yHigh {
            out += frame.line(frame.plot.left, frame.y(tick), frame.plot.right, frame.y(tick))
        }
        out += "</g>\n" + frame.foreground(directLabels: labels)
        return Chrome.chart(
            id: data.id, title: data.title, description: description, size: data.size, drawing: out, table: table)
    }

    static func point(_ x: Double, _ y: Double) -> String { "\(SVGText.number(x)),\(SVGText.number(y))" }
}
