// The frame of a time chart: layout, x and y scales, gridlines, date ticks, markers and direct labels.

/// Everything a time chart draws around its series. Built once per chart from the prepared
/// data and the y ticks the chart kind chose.
struct TimeFrame {
    let data: TimeData
    let plot: Plot
    /// The x domain in epoch seconds (never empty).
    let start: Double, end: Double
    let yTicks: [Double]
    let yLow: Double, yHigh: Double
    let legendSVG: String
    let yFormat: (Double) -> String

    /// The layout for `data`: title, legend (one or two rows), a row for marker labels, the
    /// plot, date ticks and the axis names; a right margin for direct labels when the chart
    /// has them (`labelled`). `padded` widens
    /// the domain by half a unit each side (columns sit on their instant); a single instant
    /// is always spread over one unit.
    init(_ data: TimeData, yTicks: [Double], padded: Bool, labelled: Bool = true, yFormat: ((Double) -> String)? = nil)
    {
        self.data = data
        let size = data.size
        let left = 76.0, right = size.width - (labelled ? 116 : 24)
        let legend = Chrome.legend(
            data.series.map { ($0.name, $0.colour) }, id: data.id, left: left, right: size.width - 16, top: 40)
        legendSVG = legend.svg
        let top = 40 + Double(legend.rows) * 20 + (data.markers.isEmpty ? 10 : 26)
        plot = Plot(left: left, top: top, right: right, bottom: max(top + 40, size.height - 56))
        let first = data.times.first ?? 0, last = data.times.last ?? 0
        let half = data.unit.seconds / 2
        if padded || first == last {
            (start, end) = (first - half, last + half)
        } else {
            (start, end) = (first, last)
        }
        let ticks = yTicks.filter(\.isFinite)
        self.yTicks = ticks.isEmpty ? [0, 1] : ticks
        yLow = self.yTicks.min() ?? 0
        yHigh = max((self.yTicks.max() ?? 1), yLow + 1e-9)
        let scale = max(abs(yLow), abs(yHigh))
        self.yFormat = yFormat ?? { SVGText.axis($0, scale: scale) }
    }

    func x(_ seconds: Double) -> Double { plot.left + (seconds - start) / (end - start) * plot.width }

    func y(_ value: Double) -> Double {
        let clamped = min(max(value, yLow), yHigh)
        return plot.bottom - (clamped - yLow) / (yHigh - yLow) * plot.height
    }

    var xLabel: String { data.unit == .day ? "date (UTC)" : "time (UTC)" }

    /// The legend and the gridlines, drawn before the series so the series sit on them.
    func background() -> String {
        var out = legendSVG + "<g id=\"\(data.id)-grid\" stroke=\"\(Palette.grid.hex)\" stroke-width=\"1\">\n"
        for tick in yTicks {
            out += line(plot.left, y(tick), plot.right, y(tick))
        }
        for tick in TimeAxis.ticks(from: start, to: end, unit: data.unit) {
            out += line(x(tick.at), plot.top, x(tick.at), plot.bottom)
        }
        return out + "</g>\n"
    }

    /// The axes with their ticks and names, the markers and the direct labels, over the series.
    func foreground(directLabels: [(name: String, colour: Colour, y: Double)] = []) -> String {
        let ink = Chrome.ink
        var out = markersSVG()
        out += "<g id=\"\(data.id)-axes\" fill=\"\(ink)\" font-size=\"12\">\n"
        out += line(plot.left, y(max(yLow, min(0, yHigh))), plot.right, y(max(yLow, min(0, yHigh))), stroke: ink)
        out += line(plot.left, plot.top, plot.left, plot.bottom, stroke: ink)
        var lastRight = -Double.infinity
        for tick in TimeAxis.ticks(from: start, to: end, unit: data.unit) {
            let at = x(tick.at)
            out += line(at, plot.bottom, at, plot.bottom + 5, stroke: ink)
            let half = SVGText.width(tick.label, fontSize: 12) / 2
            guard at - half > lastRight + 4 else { continue } // labels never overlap; the gridline stays
            lastRight = at + half
            out += text(at, plot.bottom + 19, tick.label, anchor: "middle")
        }
        for tick in yTicks {
            out += line(plot.left - 5, y(tick), plot.left, y(tick), stroke: ink)
            out += text(plot.left - 8, y(tick) + 4, yFormat(tick), anchor: "end")
        }
        out += "</g>\n" + Chrome.axisLabels(plot: plot, xLabel: xLabel, yLabel: data.yLabel)
        return out + labels(directLabels)
    }

    /// Markers as dashed lines across the plot with their label above it (skipped where it
    /// would overlap the previous one; the line's tooltip and the table keep every label).
    func markersSVG() -> String {
        guard !data.markers.isEmpty else { return "" }
        var out = "<g id=\"\(data.id)-markers\" font-size=\"11\" fill=\"\(Chrome.ink)\">\n"
        var lastRight = -Double.infinity
        for marker in data.markers where marker.at >= start && marker.at <= end {
            let at = x(marker.at)
            out += """
                <line x1="\(SVGText.number(at))" y1="\(SVGText.number(plot.top - 4))" x2="\(SVGText.number(at))" \
                y2="\(SVGText.number(plot.bottom))" stroke="\(Chrome.ink)" stroke-width="1" stroke-dasharray="4 3">\
                <title>\(SVGText.escape(marker.label))</title></line>

                """
            let label = SVGText.clip(marker.label, 24)
            let width = SVGText.width(label, fontSize: 11)
            guard at > lastRight + 6, at + width <= data.size.width - 4 else { continue }
            lastRight = at + width
            out += text(at + 2, plot.top - 8, label, anchor: "start")
        }
        return out + "</g>\n"
    }

    /// Series names at the right edge, at their last value, where they do not overlap.
    func labels(_ entries: [(name: String, colour: Colour, y: Double)]) -> String {
        guard !entries.isEmpty else { return "" }
        var out = "<g id=\"\(data.id)-labels\" font-size=\"12\">\n"
        var taken: [Double] = []
        for entry in entries.sorted(by: { $0.y > $1.y }) where entry.y.isFinite {
            let at = min(max(entry.y + 4, plot.top + 4), plot.bottom + 4)
            guard taken.allSatisfy({ abs($0 - at) >= 13 }) else { continue }
            taken.append(at)
            let name = SVGText.escape(SVGText.clip(entry.name, 16))
            out += """
                <text x="\(SVGText.number(plot.right + 6))" y="\(SVGText.number(at))" fill="\(Chrome.ink)">\
                <tspan fill="\(entry.colour.hex)">■</tspan> \(name)</text>

                """
        }
        return out + "</g>\n"
    }

    /// The empty chart: title, legend, axis names and "No data yet".
    func empty() -> String {
        legendSVG + Chrome.noData(id: data.id, plot: plot, xLabel: xLabel, yLabel: data.yLabel)
    }

    func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String? = nil) -> String {
        let colour = stroke.map { " stroke=\"\($0)\"" } ?? ""
        return """
            <line x1="\(SVGText.number(x1))" y1="\(SVGText.number(y1))" x2="\(SVGText.number(x2))" y2="\(SVGText.number(y2))"\(colour)/>

            """
    }

    func text(_ x: Double, _ y: Double, _ content: String, anchor: String) -> String {
        """
        <text x="\(SVGText.number(x))" y="\(SVGText.number(y))" text-anchor="\(anchor)">\(SVGText.escape(content))</text>

        """
    }
}
