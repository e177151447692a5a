// Lines over time: a contact's score, any measure whose series are not parts of a whole.

extension Chart {
    /// One line per series over the time axis; a missing value breaks the line, a value alone
    /// between gaps is a dot. The y axis covers the values' range and 0 (negative values
    /// allowed). Names are written at each line's last value where they fit.
    public static func lines(_ spec: ChartSpec) -> RenderedChart {
        let data = TimeData(spec)
        let finite = data.series.flatMap { $0.values.compactMap { $0 } }
        let ticks = Ticks.nice(minimum: finite.min() ?? 0, maximum: finite.max() ?? 0)
        let frame = TimeFrame(data, yTicks: ticks, padded: false)
        let table = data.table()
        let description = data.description()
        guard !data.isEmpty, !finite.isEmpty else {
            return Chrome.chart(
                id: data.id, title: data.title, description: description, size: data.size, drawing: frame.empty(),
                table: table)
        }
        var out = frame.background() + "<g id=\"\(data.id)-series\" fill=\"none\" stroke-width=\"2.5\">\n"
        var labels: [(name: String, colour: Colour, y: Double)] = []
        for series in data.series {
            var runs: [[String]] = [[]]
            for (at, value) in zip(data.times, series.values) {
                if let value {
                    runs[runs.count - 1].append(point(frame.x(at), frame.y(value)))
                } else if !(runs.last?.isEmpty ?? true) {
                    runs.append([])
                }
            }
            let path = runs.filter { $0.count > 1 }.map { "M" + $0.joined(separator: " L") }.joined(separator: " ")
            out += "<g id=\"\(data.id)-series-\(series.key)\" stroke=\"\(series.colour.hex)\">"
            out += "<title>\(SVGText.escape(series.name))</title>"
            if !path.isEmpty { out += "<path d=\"\(path)\"/>" }
            for run in runs where run.count == 1 {
                let xy = run[0].split(separator: ",")
                out += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"3\" fill=\"\(series.colour.hex)\"/>"
            }
            out += "</g>\n"
            if let last = series.values.last(where: { $0 != nil }), let last {
                labels.append((series.name, series.colour, frame.y(last)))
            }
        }
        out += "</g>\n" + frame.foreground(directLabels: labels)
        return Chrome.chart(
            id: data.id, title: data.title, description: description, size: data.size, drawing: out, table: table)
    }
}
