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
}
