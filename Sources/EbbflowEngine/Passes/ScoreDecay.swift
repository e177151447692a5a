// Engagement score decay: a grace period, then a half-life, computed from the last engagement.
import Foundation

/// Why this shape: after the grace period the score falls exponentially, measured from the last
/// engagement. Exponential decay composes (halving over 10 days then 20 equals halving over 30),
/// so the stored score may be decayed in any number of steps, each from the time it was last
/// decayed (`score_as_of`) to now, and a pass run daily, hourly, or once after a week of
/// downtime gives the same number (40 silent for 14 + 30 days is 20, whatever ran).
public struct ScoreDecay: Sendable, Equatable, Codable {
    /// Days after the last engagement before the score starts to fall.
    public var graceDays: Double
    /// Days for the score to halve once falling.
    public var halfLifeDays: Double

    public init(graceDays: Double = 14, halfLifeDays: Double = 30) {
        self.graceDays = graceDays
        self.halfLifeDays = halfLifeDays
    }

    /// The score at `now`, given `score` as of the last engagement at `since`.
    public func score(_ score: Double, since lastEngagement: Date?, now: Date) -> Double {
        self.score(score, asOf: nil, lastEngagement: lastEngagement, now: now)
    }

    /// The score at `now`, given `score` as it stood at `asOf` (nil: at the last engagement).
    /// Never increases: a `now` before `asOf` returns the score unchanged.
    public func score(_ score: Double, asOf: Date?, lastEngagement: Date?, now: Date) -> Double {
        guard let lastEngagement, score > 0 else { return max(score, 0) }
        let from = max(asOf ?? lastEngagement, lastEngagement)
        let falling = decayingDays(at: now, since: lastEngagement) - decayingDays(at: from, since: lastEngagement)
        guard falling > 0 else { return score }
        return score * pow(0.5, falling / halfLifeDays)
    }

    /// Days of decay (silence past the grace period) between the last engagement and `date`.
    func decayingDays(at date: Date, since lastEngagement: Date) -> Double {
        max(0, date.timeIntervalSince(lastEngagement) / 86_400 - graceDays)
    }

    private enum CodingKeys: String, CodingKey {
        case graceDays = "grace_days"
        case halfLifeDays = "half_life_days"
    }
}
