// Turns wall-clock matches into real instants in a time zone, applying the DST rules.

import EbbflowCore
import Foundation

/// Finds the next fire instant of a five-field schedule in a time zone.
///
/// Between two UTC-offset transitions the wall clock runs in lockstep with real
/// time, so the timeline is walked one such *segment* at a time: inside a
/// segment a wall minute `w` is the instant `w * 60 - offset`, and the
/// calendar search (`CronFieldSet.firstMatch`) is asked only for the wall
/// minutes that segment actually shows. What happens at the seams is the DST
/// rule, which follows Vixie cron's intent and croniter's results:
///
/// * **Hour field unrestricted** (`*`, `*/1`, `0-23`): the job follows the
///   clock as it really runs. Minutes skipped by a spring-forward gap are
///   skipped (the job runs again within the hour anyway), and minutes shown
///   twice by a fall-back are run twice, so `*/15 * * * *` keeps firing every
///   15 real minutes through the repeated hour.
/// * **Hour field restricted** (e.g. `30 2 * * *`): the job is a wall-clock
///   appointment and runs exactly once per matching wall time.
///   - A time that does not exist (02:30 on a spring-forward day in
///     America/New_York) fires once, at the first instant after the gap
///     (03:00 EDT). Several missing times in one gap collapse into that one run.
///   - A time that exists twice (01:30 on a fall-back day) fires once, at its
///     *first* occurrence (01:30 EDT); the second pass is skipped — for a
///     *fixed-time* job only. A *wildcard* job, whose minute or hour field starts
///     with `*` (`*/30 1 * * 0`, `* 1 * * *`, `0 */2 * * *`), runs in both
///     passes of the repeated hour (01:00 and 01:30 EDT, then 01:00 and 01:30
///     EST), as Vixie cron (its MIN_STAR/HR_STAR "wildcard jobs"), cronsim and
///     croniter all do: "every 30 minutes during 1 a.m." means every 30 real
///     minutes while the clock shows 1 a.m.
///
/// croniter agrees with all of this except one point: it also runs a fixed-time
/// job in both passes of a repeated hour. That difference is deliberate (Vixie
/// cron and cronsim run it once) and the fixture generator leaves those cases out.
enum CronZoneResolver {
    /// How far ahead to look before declaring that an expression never fires.
    /// The rarest satisfiable five-field schedule (Feb 29 that is also a given
    /// weekday, e.g. `0 0 29 2 */7`) can go 40 years between runs, so the
    /// horizon is a little longer; it equals croniter's default
    /// `max_years_between_matches`. The search jumps by month and day, so even
    /// an impossible `0 0 30 2 *` costs only a few thousand cheap steps.
    static let horizonSeconds = 50 * 366 * 86_400

    static func next(after date: Date, fields: CronFieldSet, timeZone: TimeZone) -> Date? {
        let now = date.timeIntervalSince1970
        guard now.isFinite, abs(now) < 1e13 else { return nil }
        let nowSecond = Int(now.rounded(.down))
        let horizon = nowSecond + horizonSeconds
        let followsClock = fields.hour.isUnrestricted
        // Wall times shown twice by a fall-back run twice (see the type's comment).
        let repeatsInBothPasses = followsClock || fields.minute.startsWithStar || fields.hour.startsWithStar

        var offset = timeZone.secondsFromGMT(for: instant(nowSecond))
        // Strictly after `date`: the first wall minute whose instant is > now.
        var lower = CivilCalendar.floorDiv(nowSecond + offset, 60) + 1
        if !repeatsInBothPasses, let fallBack = recentFallBack(atOrBefore: nowSecond, in: timeZone) {
            // We are in the second pass of a repeated hour: its wall times
            // already had their (first) run.
            lower = max(lower, CronCivilTime.ceilDiv(fallBack.instant + fallBack.offsetBefore, 60))
        }
        var segmentStart = nowSecond

        while true {
            let transition = timeZone.nextDaylightSavingTimeTransition(after: instant(segmentStart))
                .map { Int($0.timeIntervalSince1970.rounded(.down)) }
            let segmentEnd = min(transition ?? horizon, horizon)
            let upper = CronCivilTime.ceilDiv(segmentEnd + offset, 60)
            if let wall = fields.firstMatch(from: lower, before: upper) {
                return instant(wall * 60 - offset)
            }
            guard let switchAt = transition, switchAt < horizon else { return nil }
            let newOffset = timeZone.secondsFromGMT(for: instant(switchAt))

            if newOffset > offset, !followsClock {
                // Spring forward: wall times in [switchAt+offset, switchAt+newOffset)
                // never happen; if one of them was due, run it as the gap closes.
                let gapLower = max(lower, CronCivilTime.ceilDiv(switchAt + offset, 60))
                let gapUpper = CronCivilTime.ceilDiv(switchAt + newOffset, 60)
                if fields.firstMatch(from: gapLower, before: gapUpper) != nil {
                    return instant(switchAt)
                }
            }
            // First wall minute of the new segment; for a fixed-time job after a
            // fall-back, skip the wall times the old segment already showed.
            let seamOffset = repeatsInBothPasses ? newOffset : max(newOffset, offset)
            lower = CronCivilTime.ceilDiv(switchAt + seamOffset, 60)
            offset = newOffset
            segmentStart = switchAt
        }
    }

    /// The latest backward offset change at or before `second`, if it is
    /// recent enough (a day) that its repeated wall times could still lie ahead
    /// of `second`'s wall time.
    private static func recentFallBack(atOrBefore second: Int, in timeZone: TimeZone)
        -> (instant: Int, offsetBefore: Int)?
    {
        var cursor = second - 86_400
        var found: (instant: Int, offsetBefore: Int)?
        while let transition = timeZone.nextDaylightSavingTimeTransition(after: instant(cursor)) {
            let switchAt = Int(transition.timeIntervalSince1970.rounded(.down))
            guard switchAt <= second, switchAt > cursor else { break }
            let before = timeZone.secondsFromGMT(for: instant(switchAt - 1))
            let after = timeZone.secondsFromGMT(for: instant(switchAt))
            found = after < before ? (switchAt, before) : nil
            cursor = switchAt
        }
        return found
    }

    private static func instant(_ second: Int) -> Date {
        Date(timeIntervalSince1970: Double(second))
    }
}
