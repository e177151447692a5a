// The `@every DURATION` schedule: fixed-length ticks aligned to the Unix epoch.

import Foundation

/// A fixed interval, e.g. `@every 15m` or `@every 1h30m`.
///
/// Ticks are the multiples of the interval counted from the Unix epoch
/// (1970-01-01T00:00:00Z), *not* "start time + interval". Anchoring to a fixed
/// epoch means every worker, whenever it started and however often it
/// restarts, computes the same tick instants, so a queue can deduplicate runs
/// by their scheduled time. The consequences worth knowing:
/// - ticks ignore the schedule's time zone and DST (an interval is elapsed
///   time, not wall-clock time): `@every 1d` fires at 00:00 UTC, so use
///   `@daily` for local midnight;
/// - an interval that does not divide a day (`@every 7m`) does not restart at
///   midnight; it simply keeps counting from the epoch.
struct CronInterval: Sendable, Hashable {
    /// Length of one tick, in whole seconds (always > 0).
    let seconds: Int

    /// The first tick strictly after `date`.
    func next(after date: Date) -> Date? {
        let now = date.timeIntervalSince1970
        guard now.isFinite, abs(now) < 1e15 else { return nil }
        let whole = Int(now.rounded(.down))
        // Floor division so instants before 1970 land on the right tick too.
        let index = whole >= 0 ? whole / seconds : -((-whole + seconds - 1) / seconds)
        return Date(timeIntervalSince1970: Double((index + 1) * seconds))
    }

    /// Parses `1h30m`, `90s`, `2d`: whole numbers each followed by one of the
    /// units `d`, `h`, `m`, `s`, largest unit first, each unit at most once.
    /// The strict order rejects look-alike typos such as `30m1h` instead of
    /// guessing; the caller wraps the `nil` into a `CronParseError`.
    static func parseDuration(_ text: Substring) -> CronInterval? {
        let units: [(Character, Int)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        var total = 0
        var nextUnit = 0
        var digits = ""
        var sawUnit = false
        for character in text.lowercased() {
            if let ascii = character.asciiValue, ascii >= 0x30, ascii <= 0x39 {
                digits.append(character)
                continue
            }
            guard !digits.isEmpty, digits.count <= 9, let amount = Int(digits),
                let unit = units[nextUnit...].firstIndex(where: { $0.0 == character })
            else {
                return nil
            }
            total += amount * units[unit].1
            nextUnit = unit + 1
            digits = ""
            sawUnit = true
        }
        guard sawUnit, digits.isEmpty, total > 0 else { return nil }
        return CronInterval(seconds: total)
    }
}
