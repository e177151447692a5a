// Engagement score decay: a grace period, then a half-life, computed from the last engagement.
import Foundation

/// Why a closed form: the score is computed from the score and time of the last engagement,
/// never from the previous decayed value, so a decay pass run daily, hourly, or once after a
/// week of downtime gives the same number (40 silent for 14 + 30 days is 20, whatever ran).
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
        guard let lastEngagement, score > 0 else { return max(score, 0) }
        let silentDays = now.timeIntervalSince(lastEngagement) / 86_400
        let decayingDays = silentDays - graceDays
        guard decayingDays > 0 else { return score }
        return score * pow(0.5, decayingDays / halfLifeDays)
    }

    private enum CodingKeys: String, CodingKey {
        case graceDays = "grace_days"
        case halfLifeDays = "half_life_days"
    }
}
