// Parses human durations such as "3d", "12h", "1d12h", "90s", "2w" into seconds.
import Foundation

/// Durations as the CLI and policies write them: a sequence of number+unit pairs.
public enum DurationText {
    private static let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]

    /// Seconds in `text`, or nil when it is not a duration (empty, unknown unit, no unit).
    public static func seconds(_ text: String) -> Double? {
        var total = 0.0
        var number = ""
        var sawPair = false
        for character in text.trimmingCharacters(in: .whitespaces) {
            if character.isNumber || character == "." {
                number.append(character)
            } else if let unit = units[character], let value = Double(number) {
                total += value * unit
                number = ""
                sawPair = true
            } else {
                return nil
            }
        }
        return sawPair && number.isEmpty ? total : nil
    }

    /// `seconds` as people read a wait: its two largest units, in the notation `seconds(_:)`
    /// reads ("1d12h", "5m3s", "42.5s"), so a queue's oldest job shows "638d8h", not 55153089.6.
    public static func text(seconds: Double) -> String {
        guard seconds.isFinite else { return "\(seconds)s" }
        if abs(seconds) < 59.95 { return String(format: "%.1fs", seconds) } // what rounds to 60.0 reads as 1m0s
        var rest = Int(seconds.rounded())
        var parts: [String] = []
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] where parts.count < 2 {
            let count = rest / size
            rest -= count * size
            if count != 0 || !parts.isEmpty { parts.append("\(count)\(unit)") }
        }
        return parts.joined()
    }
}
