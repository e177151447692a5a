// Counts of contacts over simulated days as a standalone stacked-area SVG chart.

/// Draws bands of counts stacked over days, so a simulation's effect (who stays in the send
/// flow, who drifts out; which stream holds whom) can be seen at a glance in a browser or a
/// pull request, with no plotting tool. The output is a fixed 960×540 SVG 1.1 document, and
/// the same input always gives the same bytes: numbers are formatted by hand, never through
/// the locale, so it is `.` as the decimal separator everywhere. `AudienceChart` and
/// `StreamChart` say what the bands are.
public enum StackedAreaChart {
    /// One stacked band: its id (for the SVG element), legend name, fill, and one value per day.
    public struct Band: Sendable {
        public var id: String
        public var name: String
        public var fill: String
        public var values: [Double]
        public init(id: String, name: String, fill: String, values: [Double]) {
            self.id = id
            self.name = name
            self.fill = fill
            self.values = values
        }
    }

    static let width = 960.0, height = 540.0
    static let plotLeft = 84.0, plotRight = 936.0, plotTop = 92.0, plotBottom = 476.0
    static let ink = "#333333", gridColour = "#DDDDDD"

    /// The chart of `bands` (bottom to top) over `days` (ascending; each band has one value per
    /// day) under `title`. Negative and non-finite values are drawn as 0. No days give a valid
    /// document that says "no data"; one day gives a full-width band each; all-zero values give
    /// a 0–5 axis.
    public static func svg(days dayNumbers: [Int], bands: [Band], title: String) -> String {
        var out = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="960" height="540" viewBox="0 0 960 540" \
            font-family="Helvetica, Arial, sans-serif">
            <title>\(escape(title))</title>
            <rect x="0" y="0" width="960" height="540" fill="#FFFFFF"/>
            <text id="title" x="\(number(plotLeft))" y="36" font-size="\(title.count > 55 ? 16 : 20)" font-weight="bold" \
            fill="\(ink)">\(escape(shortened(title)))</text>

            """
        guard !dayNumbers.isEmpty else {
            out += """
                <rect x="\(number(plotLeft))" y="\(number(plotTop))" width="\(number(plotRight - plotLeft))" \
                height="\(number(plotBottom - plotTop))" fill="none" stroke="\(gridColour)"/>
                <text id="no-data" x="\(number((plotLeft + plotRight) / 2))" y="\(number((plotTop + plotBottom) / 2))" \
                font-size="18" fill="#777777" text-anchor="middle">no data</text>
                </svg>

                """
            return out
        }
        // Each band's values, one per day, drawable: missing, negative or non-finite ones are 0.
        var values = bands.map { band in
            dayNumbers.indices.map { index in
                index < band.values.count && band.values[index].isFinite ? max(0, band.values[index]) : 0
            }
        }
        // One day has no width: spread it over a day centred on it, drawn at both ends.
        var days = dayNumbers.map(Double.init)
        if let first = days.first, let last = days.last, first == last {
            days = [first - 0.5, last + 0.5]
            values = values.map { [$0[0], $0[$0.count - 1]] }
        }
        let xMin = days[0], xMax = days[days.count - 1]
        let xOf = { (day: Double) in plotLeft + (day - xMin) / (xMax - xMin) * (plotRight - plotLeft) }

        let totals = days.indices.map { index in values.reduce(0) { $0 + $1[index] } }
        let yTicks = niceTicks(maximum: totals.max() ?? 0)
        let yTop = yTicks.last ?? 5
        let yOf = { (value: Double) in plotBottom - value / yTop * (plotBottom - plotTop) }

        out += legend(bands)

        // Gridlines first, so the bands sit on them; the axes go last, on top of everything.
        out += "<g id=\"grid\" stroke=\"\(gridColour)\" stroke-width=\"1\">\n"
        for tick in yTicks where tick > 0 {
            out +=
                "<line x1=\"\(number(plotLeft))\" y1=\"\(number(yOf(tick)))\" x2=\"\(number(plotRight))\" y2=\"\(number(yOf(tick)))\"/>\n"
        }
        let xTicks = dayTicks(from: xMin, to: xMax)
        for tick in xTicks {
            out +=
                "<line x1=\"\(number(xOf(tick)))\" y1=\"\(number(plotTop))\" x2=\"\(number(xOf(tick)))\" y2=\"\(number(plotBottom))\"/>\n"
        }
        out += "</g>\n"

        out += "<g id=\"series\">\n"
        var lower = [Double](repeating: 0, count: days.count)
        for (band, bandValues) in zip(bands, values) {
            let upper = zip(lower, bandValues).map { $0 + $1 }
            var points: [String] = []
            for (day, top) in zip(days, upper) { points.append("\(number(xOf(day))),\(number(yOf(top)))") }
            for (day, bottom) in zip(days, lower).reversed() {
                points.append("\(number(xOf(day))),\(number(yOf(bottom)))")
            }
            out +=
                "<path id=\"series-\(band.id)\" class=\"series \(band.id)\" fill=\"\(band.fill)\" "
                + "d=\"M\(points.joined(separator: " L"))Z\"><title>\(escape(band.name))</title></path>\n"
            lower = upper
        }
        out += "</g>\n"
        // The bands hide the grid under them; faint white lines over them keep values readable.
        out += "<g id=\"grid-over\" stroke=\"#FFFFFF\" stroke-opacity=\"0.45\" stroke-width=\"1\">\n"
        for tick in yTicks where tick > 0 && tick < yTop {
            out +=
                "<line x1=\"\(number(plotLeft))\" y1=\"\(number(yOf(tick)))\" x2=\"\(number(plotRight))\" y2=\"\(number(yOf(tick)))\"/>\n"
        }
        out += "</g>\n"

        out += "<g id=\"axes\" fill=\"\(ink)\" font-size=\"12\">\n"
        out +=
            "<line x1=\"\(number(plotLeft))\" y1=\"\(number(plotBottom))\" x2=\"\(number(plotRight))\" y2=\"\(number(plotBottom))\" stroke=\"\(ink)\"/>\n"
        out +=
            "<line x1=\"\(number(plotLeft))\" y1=\"\(number(plotTop))\" x2=\"\(number(plotLeft))\" y2=\"\(number(plotBottom))\" stroke=\"\(ink)\"/>\n"
        for tick in xTicks {
            let x = number(xOf(tick))
            out +=
                "<line x1=\"\(x)\" y1=\"\(number(plotBottom))\" x2=\"\(x)\" y2=\"\(number(plotBottom + 5))\" stroke=\"\(ink)\"/>\n"
            out += "<text x=\"\(x)\" y=\"\(number(plotBottom + 20))\" text-anchor=\"middle\">\(number(tick))</text>\n"
        }
        for tick in yTicks {
            let y = number(yOf(tick))
            out +=
                "<line x1=\"\(number(plotLeft - 5))\" y1=\"\(y)\" x2=\"\(number(plotLeft))\" y2=\"\(y)\" stroke=\"\(ink)\"/>\n"
            out +=
                "<text x=\"\(number(plotLeft - 9))\" y=\"\(number(yOf(tick) + 4))\" text-anchor=\"end\">\(contacts(tick, scale: yTop))</text>\n"
        }
        out +=
            "<text id=\"x-label\" x=\"\(number((plotLeft + plotRight) / 2))\" y=\"\(number(plotBottom + 46))\" "
            + "text-anchor=\"middle\" font-size=\"14\">day</text>\n"
        let middle = number((plotTop + plotBottom) / 2)
        out +=
            "<text id=\"y-label\" x=\"22\" y=\"\(middle)\" transform=\"rotate(-90 22 \(middle))\" "
            + "text-anchor=\"middle\" font-size=\"14\">contacts</text>\n"
        out += "</g>\n</svg>\n"
        return out
    }

    /// Swatches between the title and the plot, so the legend never covers data: one row, or
    /// two when the names do not fit in one; names that fit in neither are left out with "…".
    static func legend(_ bands: [Band]) -> String {
        var out = "<g id=\"legend\" font-size=\"13\" fill=\"\(ink)\">\n"
        var x = plotLeft, y = 54.0
        for band in bands {
            let width = 20 + Double(band.name.count) * 7.5 // an estimate of the text's width: no font metrics here
            if x + width > plotRight && x > plotLeft {
                guard y == 54 else {
                    out += "<text x=\"\(number(x))\" y=\"\(number(y + 12))\">…</text>\n"
                    break
                }
                (x, y) = (plotLeft, 72)
            }
            out += "<rect x=\"\(number(x))\" y=\"\(number(y))\" width=\"14\" height=\"14\" fill=\"\(band.fill)\"/>\n"
            out += "<text x=\"\(number(x + 20))\" y=\"\(number(y + 12))\">\(escape(band.name))</text>\n"
            x += width + 28
        }
        return out + "</g>\n"
    }

    /// Round ticks from 0 up to at least `maximum` (and 5): 5 or 6 of them, whole contacts, steps of
    /// 1, 1.5, 2, 2.5, 3, 4, 5 or 6 times a power of ten (that set always gives 4–5 intervals).
    static func niceTicks(maximum: Double) -> [Double] {
        let maximum = maximum.isFinite ? max(maximum, 5) : 5 // at least 0–5: whole contacts, 6 ticks
        var step = 1.0
        search: for power in 0...30 {
            var base = 1.0
            for _ in 0..<power { base *= 10 }
            for factor in [1.0, 1.5, 2, 2.5, 3, 4, 5, 6] {
                let candidate = factor * base
                if candidate.rounded() != candidate { continue }
                if (maximum / candidate).rounded(.up) <= 5 {
                    step = candidate
                    break search
                }
            }
        }
        let intervals = max(1, Int((maximum / step).rounded(.up)))
        return (0...min(intervals, 10)).map { Double($0) * step }
    }

    /// Day ticks: every day over a short span, weekly up to 14 weeks, every 30 days up to a
    /// year, then every 60, 90, … days so there are never more than about a dozen labels.
    static func dayTicks(from start: Double, to end: Double) -> [Double] {
        let span = end - start
        guard span.isFinite, span > 0 else { return [] }
        let step: Double = span <= 14 ? 1 : span <= 98 ? 7 : span <= 360 ? 30 : 30 * (span / 360).rounded(.up)
        var ticks: [Double] = []
        var tick = (start / step).rounded(.up) * step
        while tick <= end + 1e-9 && ticks.count < 40 {
            ticks.append(tick)
            tick += step
        }
        return ticks
    }

    /// A contact count for the y axis. All the labels of one axis (whose top tick is `scale`)
    /// use one unit: `k`, `M` or `B` above ten thousand when every tick shows exactly with one
    /// decimal in it (`12.5k`, `1.5M`), or else whole numbers with thousands separators (`1,500`).
    static func contacts(_ value: Double, scale: Double) -> String {
        for (unit, suffix) in [(1e9, "B"), (1e6, "M"), (1e3, "k")] where value != 0 && scale > 1e4 && scale >= unit {
            if showsExactly(scale, in: unit) && showsExactly(value, in: unit) { return number(value / unit) + suffix }
        }
        guard value.isFinite, abs(value) < 1e15 else { return number(value) }
        let whole = Int(value.rounded())
        let digits = String(whole.magnitude)
        var grouped = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { grouped += "," }
            grouped.append(digit)
        }
        return (whole < 0 ? "-" : "") + grouped
    }

    /// Whether `value` is a whole number of tenths of `unit`, so one decimal loses nothing.
    static func showsExactly(_ value: Double, in unit: Double) -> Bool {
        let tenths = value / unit * 10
        return tenths.isFinite && abs(tenths - tenths.rounded()) < 1e-6
    }

    /// A number with at most one decimal and `.` as the separator, whatever the locale; never
    /// `nan` or `inf` (non-finite values print as 0, huge ones are clamped).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = Int((min(max(value, -1e15), 1e15) * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = tenths.magnitude
        return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }

    /// Text safe inside an element or an attribute, and valid XML 1.0: the five special
    /// characters escaped, control characters XML forbids dropped.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out += " "
            default:
                let value = scalar.value
                if value < 0x20 || (0xFFFE...0xFFFF).contains(value) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// The title as drawn: one line that fits the width (smaller type past 55 characters), cut
    /// with an ellipsis past 75. An estimate: there are no font metrics here.
    static func shortened(_ title: String) -> String {
        title.count > 75 ? String(title.prefix(74)) + "…" : title
    }
}
