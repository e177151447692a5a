// Columns per hour or day: events and sends per hour, stacked by kind or side by side.

extension Chart {
    /// One column per instant, centred on it and most of a unit wide: the series stacked
    /// (negative values count as 0) or side by side (negative ones drawn below 0). Missing
    /// values draw nothing. A column narrower than a pixel is still drawn that wide.
    public static func columns(_ spec: ChartSpec, stacked: Bool) -> RenderedChart {
        let data = TimeData(spec)
        let count = data.times.count
        let values = data.series.map { $0.values.map { value in value.map { stacked ? max(0, $0) : $0 } } }
        let ticks: [Double]
        if stacked {
            ticks = Ticks.nice(maximum: (0..<count).map { i in values.reduce(0) { $0 + ($1[i] ?? 0) } }.max() ?? 0)
        } else {
            let finite = values.flatMap { $0.compactMap { $0 } }
            ticks = Ticks.nice(minimum: finite.min() ?? 0, maximum: finite.max() ?? 0)
        }
        let frame = TimeFrame(data, yTicks: ticks, padded: true, labelled: false)
        let table = data.table()
        let description = data.description(latestTotal: stacked)
        guard !data.isEmpty else {
            return Chrome.chart(
                id: data.id, title: data.title, description: description, size: data.size, drawing: frame.empty(),
                table: table)
        }
        let unitWidth = frame.plot.width * data.unit.seconds / (frame.end - frame.start)
        let slot = max(1, unitWidth * 0.8)
        let each = stacked ? slot : max(1, slot / Double(values.count))
        var out = frame.background() + "<g id=\"\(data.id)-series\">\n"
        var lower = [Double](repeating: 0, count: count)
        for (position, (series, seriesValues)) in zip(data.series, values).enumerated() {
            out +=
                "<g id=\"\(data.id)-series-\(series.key)\" fill=\"\(series.colour.hex)\"><title>\(SVGText.escape(series.name))</title>\n"
            for (index, at) in data.times.enumerated() {
                guard let value = seriesValues[index] else { continue }
                let base = stacked ? lower[index] : 0
                let top = base + value
                if stacked { lower[index] = top }
                let left = frame.x(at) - slot / 2 + (stacked ? 0 : each * Double(position))
                let y1 = frame.y(max(base, top)), y2 = frame.y(min(base, top))
                guard y2 - y1 > 0 else { continue }
                out += """
                    <rect x="\(SVGText.number(left))" y="\(SVGText.number(y1))" width="\(SVGText.number(each))" \
                    height="\(SVGText.number(y2 - y1))"/>

                    """
            }
            out += "</g>\n"
        }
        out += "</g>\n" + frame.foreground()
        return Chrome.chart(
            id: data.id, title: data.title, description: description, size: data.size, drawing: out, table: table)
    }
}
