// A time chart's input made safe to draw: sorted, bounded, finite, at most 8 series.

/// A drawable series: an id part for its element, a clipped name, and finite values (nil:
/// none), one per instant of the prepared axis.
struct PreparedSeries {
    var key: String
    var name: String
    var colour: Colour
    var values: [Double?]
}

/// `ChartSpec` after the checks every time chart needs, so the drawing code can trust it:
/// instants sorted (stably) and at most `maxInstants` (the latest), values finite and within
/// ±1e15, names and titles clipped, at most `maxSeries` series (the rest summed as "other"),
/// markers sorted, merged when they share an instant, at most `maxMarkers`.
struct TimeData {
    static let maxInstants = 2_000, maxSeries = 8, maxMarkers = 100

    var id: String
    var title: String
    var summary: String
    var yLabel: String
    var unit: TimeAxis.Unit
    var times: [Double]
    var series: [PreparedSeries]
    var markers: [(at: Double, label: String)]
    var size: Size

    var isEmpty: Bool { times.isEmpty || series.isEmpty }

    init(_ spec: ChartSpec, maxSeries: Int = TimeData.maxSeries) {
        id = SVGText.identifier(spec.id)
        title = SVGText.clip(spec.title, 200)
        summary = SVGText.clip(spec.summary, 1_000)
        yLabel = SVGText.clip(spec.yLabel, 60)
        unit = spec.x.unit
        size = spec.size
        let limit = CivilTime.limit
        let raw = spec.x.instants.map { min(max($0.timeIntervalSince1970, -limit), limit) }
        let order = raw.indices.sorted { (raw[$0], $0) < (raw[$1], $1) }.suffix(Self.maxInstants)
        times = order.map { raw[$0] }
        var prepared: [PreparedSeries] = []
        var keys: Set<String> = []
        for (index, series) in spec.series.enumerated() {
            var key = SVGText.identifier(series.id)
            if keys.contains(key) { key += "-\(index)" }
            keys.insert(key)
            let values = order.map { position -> Double? in
                guard position < series.values.count, let value = series.values[position], value.isFinite else {
                    return nil
                }
                return min(max(value, -1e15), 1e15)
            }
            prepared.append(
                PreparedSeries(key: key, name: SVGText.clip(series.name, 40), colour: series.colour, values: values))
        }
        series = Self.grouped(prepared, limit: max(2, maxSeries), count: times.count)
        var merged: [(at: Double, label: String)] = []
        for marker in spec.markers.map({ (at: min(max($0.at.timeIntervalSince1970, -limit), limit), label: $0.label) })
            .enumerated().sorted(by: { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }).map(\.element)
        {
            if let last = merged.last, last.at == marker.at {
                merged[merged.count - 1].label = SVGText.clip(last.label + ", " + marker.label, 120)
            } else if merged.count < Self.maxMarkers {
                merged.append((marker.at, SVGText.clip(marker.label, 120)))
            }
        }
        markers = merged
    }

    /// The first `limit - 1` series, then one "other" that sums the rest (nil where all of them are).
    static func grouped(_ series: [PreparedSeries], limit: Int, count: Int) -> [PreparedSeries] {
        guard series.count > limit else { return series }
        let rest = series[(limit - 1)...]
        let values = (0..<count).map { index -> Double? in
            let present = rest.compactMap { $0.values[index] }
            return present.isEmpty ? nil : min(max(present.reduce(0, +), -1e15), 1e15)
        }
        return Array(series.prefix(limit - 1))
            + [PreparedSeries(key: "other", name: "other (\(rest.count))", colour: Palette.other, values: values)]
    }

    /// The instant's label for the table and the description.
    func label(_ index: Int) -> String { TimeAxis.label(times[index], unit: unit) }

    /// The table behind the chart: one row per instant, one column per series, and the
    /// markers that fall within the instant's hour or day.
    func table(values: [[Double?]]? = nil) -> DataTable {
        let columns = values ?? series.map(\.values)
        var header = [unit == .day ? "Date (UTC)" : "Time (UTC)"] + series.map(\.name)
        if !markers.isEmpty { header.append("Markers") }
        let rows = times.indices.map { index -> [String] in
            var row = [label(index)] + columns.map { SVGText.value($0[index]) }
            if !markers.isEmpty {
                let next = index + 1 < times.count ? times[index + 1] : times[index] + unit.seconds
                row.append(
                    markers.filter { $0.at >= times[index] && $0.at < max(next, times[index] + 1) }.map(\.label)
                        .joined(separator: "; "))
            }
            return row
        }
        return DataTable(caption: title, header: header, rows: rows)
    }

    /// The `<desc>`: the caller's summary, then the range of instants and the latest value of
    /// each series, so a screen reader hears what a sighted reader sees first.
    func description(latestTotal: Bool = false) -> String {
        var parts: [String] = []
        if !summary.isEmpty { parts.append(summary) }
        guard !isEmpty, let last = times.indices.last else {
            parts.append("No data yet.")
            return parts.joined(separator: " ")
        }
        let every = unit == .day ? "Daily" : "Hourly"
        parts.append(
            times.count == 1
                ? "\(every) values for \(label(0))." : "\(every) values from \(label(0)) to \(label(last)).")
        let latest = series.map { "\($0.name) \(SVGText.value($0.values[last]))" }
        var sentence = "Latest (\(label(last))): " + latest.joined(separator: ", ")
        if latestTotal {
            sentence += "; total \(SVGText.value(series.reduce(0) { $0 + max(0, $1.values[last] ?? 0) }))"
        }
        parts.append(sentence + ".")
        let finite = series.flatMap { $0.values.compactMap { $0 } }
        if let low = finite.min(), let high = finite.max() {
            parts.append("Values range from \(SVGText.value(low)) to \(SVGText.value(high)).")
        }
        if !markers.isEmpty { parts.append("Marked: " + markers.prefix(5).map(\.label).joined(separator: "; ") + ".") }
        return SVGText.clip(parts.joined(separator: " "), 2_000)
    }
}
