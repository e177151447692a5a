// The parts every chart shares: the <svg> tag with its accessible name, the drawn title, the legend, "No data yet".

/// Builds the pieces around a drawing. Presentation attributes only: the dashboard's
/// Content-Security-Policy forbids `style` attributes and `<style>` elements.
enum Chrome {
    static let font = "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"
    static let ink = Palette.ink.hex

    /// The finished chart: `<svg role="img" aria-labelledby="ID-title ID-desc">`, its
    /// `<title>` and `<desc>` first, then the drawing (which opens with the visible title).
    static func chart(id: String, title: String, description: String, size: Size, drawing: String, table: DataTable)
        -> RenderedChart
    {
        let width = SVGText.number(size.width), height = SVGText.number(size.height)
        let attributes = """
            xmlns="http://www.w3.org/2000/svg" version="1.1" id="\(id)" class="ebbflow-chart" \
            viewBox="0 0 \(width) \(height)" preserveAspectRatio="xMidYMid meet" role="img" \
            aria-labelledby="\(id)-title \(id)-desc" font-family="\(font)"
            """
        let head = """
            <title id="\(id)-title">\(SVGText.escape(title))</title>
            <desc id="\(id)-desc">\(SVGText.escape(description))</desc>

            """
        let drawn = heading(title, width: size.width) + drawing
        return RenderedChart(attributes: attributes, head: head, drawing: drawn, table: table, size: size)
    }

    /// The visible title, at the top left, cut to fit the width.
    static func heading(_ title: String, width: Double) -> String {
        let fontSize = SVGText.width(title, fontSize: 18) > width - 32 ? 15.0 : 18
        let fits = max(8, Int((width - 32) / (fontSize * 0.58)))
        return """
            <text x="16" y="28" font-size="\(SVGText.number(fontSize))" font-weight="bold" fill="\(ink)" \
            aria-hidden="true">\(SVGText.escape(SVGText.clip(title, fits)))</text>

            """
    }

    /// Swatches in series order (a stack's bottom first) between the title and the plot, so
    /// the legend never covers data: one row, or two when the names do not fit in one; names
    /// that fit in neither are left out with "…" (the table has them all). Returns the rows used.
    static func legend(
        _ entries: [(name: String, colour: Colour)], id: String, left: Double, right: Double, top: Double
    )
        -> (svg: String, rows: Int)
    {
        guard !entries.isEmpty else { return ("", 0) }
        var out = "<g id=\"\(id)-legend\" font-size=\"13\" fill=\"\(ink)\">\n"
        var x = left, y = top, rows = 1
        for entry in entries {
            let width = 20 + SVGText.width(entry.name, fontSize: 13)
            if x + width > right && x > left {
                guard rows == 1 else {
                    out += "<text x=\"\(SVGText.number(x))\" y=\"\(SVGText.number(y + 11))\">…</text>\n"
                    break
                }
                (x, y, rows) = (left, y + 20, 2)
            }
            out += """
                <rect x="\(SVGText.number(x))" y="\(SVGText.number(y))" width="12" height="12" fill="\(entry.colour.hex)"/>
                <text x="\(SVGText.number(x + 17))" y="\(SVGText.number(y + 11))">\(SVGText.escape(entry.name))</text>

                """
            x += width + 22
        }
        return (out + "</g>\n", rows)
    }

    /// "No data yet" in an empty frame: the chart keeps its title, size and axis names.
    static func noData(id: String, plot: Plot, xLabel: String, yLabel: String, yLabelX: Double? = nil) -> String {
        """
        <rect x="\(SVGText.number(plot.left))" y="\(SVGText.number(plot.top))" width="\(SVGText.number(plot.width))" \
        height="\(SVGText.number(plot.height))" fill="none" stroke="\(Palette.grid.hex)"/>
        <text id="\(id)-no-data" x="\(SVGText.number(plot.left + plot.width / 2))" \
        y="\(SVGText.number(plot.top + plot.height / 2))" font-size="16" fill="#666666" text-anchor="middle">No data yet</text>

        """ + axisLabels(plot: plot, xLabel: xLabel, yLabel: yLabel, yLabelX: yLabelX)
    }

    /// The axes' names: under the x axis, and turned along the y axis at the left edge
    /// (`yLabelX`, or left of the tick labels).
    static func axisLabels(plot: Plot, xLabel: String, yLabel: String, yLabelX: Double? = nil) -> String {
        let middle = SVGText.number(plot.top + plot.height / 2)
        let x = SVGText.number(yLabelX ?? max(12, plot.left - 54))
        return """
            <text class="x-label" x="\(SVGText.number(plot.left + plot.width / 2))" y="\(SVGText.number(plot.bottom + 42))" \
            text-anchor="middle" font-size="13" fill="\(ink)">\(SVGText.escape(xLabel))</text>
            <text class="y-label" x="\(x)" y="\(middle)" transform="rotate(-90 \(x) \(middle))" text-anchor="middle" \
            font-size="13" fill="\(ink)">\(SVGText.escape(yLabel))</text>

            """
    }
}

/// A plot area in SVG user units.
struct Plot {
    var left: Double
    var top: Double
    var right: Double
    var bottom: Double
    var width: Double { right - left }
    var height: Double { bottom - top }
}
