// What a time chart shows: its series over a time axis, markers, titles and size.
import Foundation

/// One named series of values, one per instant of the chart's axis (`nil`: no value, a gap
/// in a line, nothing in a stack).
public struct Series: Sendable, Equatable {
    /// Stable within the chart (it names the SVG element, after the chart's id).
    public var id: String
    /// The legend's and the table's name.
    public var name: String
    public var colour: Colour
    public var values: [Double?]

    public init(id: String, name: String, colour: Colour, values: [Double?]) {
        self.id = id
        self.name = name
        self.colour = colour
        self.values = values
    }
}

/// A moment worth seeing on the time axis, such as a campaign's start: a dashed line and a label.
public struct Marker: Sendable, Equatable {
    public var at: Date
    public var label: String

    public init(at: Date, label: String) {
        self.at = at
        self.label = label
    }
}

/// The drawing's size in SVG user units; it scales to its container (it has a viewBox).
public struct Size: Sendable, Equatable {
    public var width: Double
    public var height: Double

    /// Sizes are bounded (200–4,000 by 120–4,000) so any input gives a drawable chart.
    public init(width: Double, height: Double) {
        self.width = width.isFinite ? min(max(width, 200), 4_000).rounded() : 960
        self.height = height.isFinite ? min(max(height, 120), 4_000).rounded() : 400
    }

    /// 960×540: the simulator's files.
    public static let standard = Size(width: 960, height: 540)
    /// 960×360: a chart in a dashboard page.
    public static let wide = Size(width: 960, height: 360)
}

/// A time chart: everything but the kind of drawing, which is `Chart`'s function.
public struct ChartSpec: Sendable, Equatable {
    /// Unique on the page: every id in the SVG starts with it (sanitized to letters, digits,
    /// `-` and `_`), so two charts on one page never collide.
    public var id: String
    public var title: String
    /// The first sentence of the SVG's `<desc>`; the chart adds the range and latest values.
    public var summary: String
    public var x: TimeAxis
    /// What the values count, e.g. "contacts".
    public var yLabel: String
    /// Bottom to top in a stack; the legend follows this order. Past 8, the rest are summed as "other".
    public var series: [Series]
    public var markers: [Marker]
    public var size: Size

    public init(
        id: String, title: String, summary: String = "", x: TimeAxis, yLabel: String, series: [Series],
        markers: [Marker] = [], size: Size = .wide
    ) {
        self.id = id
        self.title = title
        self.summary = summary
        self.x = x
        self.yLabel = yLabel
        self.series = series
        self.markers = markers
        self.size = size
    }
}

/// One row of an interval plot: an estimate with its interval (an experiment's variant and its
/// conversion rate's 95 % interval), and an optional note drawn at the right ("best, 97 %").
public struct IntervalRow: Sendable, Equatable {
    public var label: String
    public var estimate: Double
    public var low: Double
    public var high: Double
    public var note: String?

    public init(label: String, estimate: Double, low: Double, high: Double, note: String? = nil) {
        self.label = label
        self.estimate = estimate
        self.low = low
        self.high = high
        self.note = note
    }
}

/// How an interval plot's values read: fractions as percentages (0.034 → "3.4 %") or plain numbers.
public enum ValueFormat: Sendable, Equatable {
    case percent, number
}
