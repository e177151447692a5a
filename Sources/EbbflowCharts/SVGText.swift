// Text and numbers as they go into SVG: escaped, bounded, locale-free.

/// Every string a chart writes passes through here. Why by hand: Foundation's number
/// formatting follows the locale (a `,` decimal separator breaks SVG coordinates), and the
/// same input must give the same bytes.
enum SVGText {
    /// Text safe inside an element or an attribute, and valid XML 1.0: the five special
    /// characters escaped, tabs and line breaks as spaces, other control characters and the
    /// non-characters XML forbids dropped.
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
                if value < 0x20 || (0x7F...0x9F).contains(value) || (0xFFFE...0xFFFF).contains(value) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `text` cut to `limit` characters with "…", so a hostile or careless name cannot make
    /// a chart megabytes long or push its legend off the drawing.
    static func clip(_ text: String, _ limit: Int) -> String {
        text.count > limit ? String(text.prefix(max(0, limit - 1))) + "…" : text
    }

    /// An id part: letters, digits, `-` and `_` only, at most 48 characters, starting with a
    /// letter (`c` is prepended otherwise), so it is a valid XML name and one word in
    /// `aria-labelledby`.
    static func identifier(_ text: String) -> String {
        var out = String(
            String.UnicodeScalarView(
                text.unicodeScalars.filter {
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
                }
                .prefix(48)))
        if out.unicodeScalars.first.map({ !$0.properties.isAlphabetic }) ?? true { out = "c" + out }
        return out
    }

    /// A coordinate or a plain number: at most one decimal, `.` as the separator, never `nan`
    /// or `inf` (non-finite values print as 0, huge ones are clamped).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = Int((min(max(value, -1e15), 1e15) * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let magnitude = tenths.magnitude
        return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
    }

    /// A whole number with thousands separators: "1,234,567".
    static func grouped(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        let whole = Int(min(max(value, -1e15), 1e15).rounded())
        let digits = String(whole.magnitude)
        var out = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { out += "," }
            out.append(digit)
        }
        return (whole < 0 ? "-" : "") + out
    }

    /// A value for the table and the description: grouped when whole ("1,234"), else with up
    /// to two decimals ("0.25"); "–" for no value.
    static func value(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        if value == value.rounded() || abs(value) >= 1e12 { return grouped(value) }
        let hundredths = Int((value * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let whole = grouped(Double(hundredths.magnitude / 100))
        var fraction = String(hundredths.magnitude % 100)
        if fraction.count < 2 { fraction = "0" + fraction }
        while fraction.last == "0" { fraction.removeLast() }
        return fraction.isEmpty ? sign + whole : "\(sign)\(whole).\(fraction)"
    }

    /// A fraction as a percentage with one decimal: 0.0345 → "3.5 %".
    static func percent(_ fraction: Double) -> String {
        guard fraction.isFinite else { return "–" }
        return number(fraction * 100) + " %"
    }

    /// A y-axis label. All the labels of one axis (whose largest tick is `scale`) use one
    /// unit: `k`, `M` or `B` above ten thousand when every tick shows exactly with one decimal
    /// in it (`12.5k`, `1.5M`), or else whole numbers with thousands separators (`1,500`), or
    /// up to two decimals when a tick is not whole (a score's `0.25`).
    static func axis(_ value: Double, scale: Double) -> String {
        for (unit, suffix) in [(1e9, "B"), (1e6, "M"), (1e3, "k")] where value != 0 && scale > 1e4 && scale >= unit {
            if showsExactly(scale, in: unit) && showsExactly(value, in: unit) { return number(value / unit) + suffix }
        }
        if value != value.rounded() && abs(value) < 1e4 { return Self.value(value) }
        return grouped(value)
    }

    /// Whether `value` is a whole number of tenths of `unit`, so one decimal loses nothing.
    static func showsExactly(_ value: Double, in unit: Double) -> Bool {
        let tenths = value / unit * 10
        return tenths.isFinite && abs(tenths - tenths.rounded()) < 1e-6
    }

    /// An estimate of the width of `text` at `fontSize`: there are no font metrics here.
    static func width(_ text: String, fontSize: Double) -> Double {
        Double(text.count) * fontSize * 0.58
    }
}
