// Per-variant results of an experiment: rate, 95 % interval, probability to be best, and the promotion rule.
import Foundation

/// A variant's counts so far.
public struct VariantTally: Sendable, Equatable {
    public var name: String
    public var sends: Int
    public var conversions: Int
    public init(name: String, sends: Int, conversions: Int) {
        self.name = name
        self.sends = sends
        self.conversions = conversions
    }
}

/// What `experiments show` prints for one variant.
public struct VariantSummary: Sendable, Equatable {
    public var name: String
    public var sends: Int
    public var conversions: Int
    public var rate: Double
    /// Wilson score interval at 95 %: sound at small counts and near 0 or 1, unlike rate ± 1.96 σ.
    public var low: Double
    public var high: Double
    /// The share of posterior draws in which this variant's rate was the highest.
    public var probabilityBest: Double
}

public enum ExperimentStatistics {
    /// Summaries of every variant; `draws` Monte Carlo draws from each Beta posterior estimate
    /// the probability to be best (10,000 draws: ±0.5 % at worst).
    ///
    /// With `minimumLift` above 0, a draw counts as a win only when the best variant beats every
    /// other by at least that relative margin (0.05: 5 % better). Why: with no true difference the
    /// plain probability to be best wanders, and a rule that looks every day promotes a "winner"
    /// in a third of experiments (measured; see the note of issue 7). A difference too small to
    /// matter never becomes 95 % likely however long one looks, so requiring a minimum lift keeps
    /// false promotions rare while a real difference is still found.
    public static func summarize(
        _ tallies: [VariantTally], draws: Int = 10_000, minimumLift: Double = 0,
        using generator: inout some RandomNumberGenerator
    ) -> [VariantSummary] {
        var wins = [Int](repeating: 0, count: tallies.count)
        var values = [Double](repeating: 0, count: tallies.count)
        for _ in 0..<draws {
            var best = 0
            for (index, tally) in tallies.enumerated() {
                values[index] = BetaSampling.posteriorDraw(
                    conversions: tally.conversions, trials: tally.sends, using: &generator)
                if values[index] > values[best] { best = index }
            }
            if tallies.indices.allSatisfy({ $0 == best || values[best] >= values[$0] * (1 + minimumLift) }) {
                wins[best] += 1
            }
        }
        return tallies.enumerated().map { index, tally in
            let (low, high) = wilson(conversions: tally.conversions, trials: tally.sends)
            return VariantSummary(
                name: tally.name, sends: tally.sends, conversions: tally.conversions,
                rate: tally.sends == 0 ? 0 : Double(tally.conversions) / Double(tally.sends),
                low: low, high: high, probabilityBest: Double(wins[index]) / Double(draws))
        }
    }

    /// The Wilson score interval at 95 % (z = 1.96); (0, 1) with no trials.
    public static func wilson(conversions: Int, trials: Int, z: Double = 1.96) -> (low: Double, high: Double) {
        guard trials > 0 else { return (0, 1) }
        let n = Double(trials), p = Double(conversions) / n, z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z * (p * (1 - p) / n + z2 / (4 * n * n)).squareRoot() / (1 + z2 / n)
        return (max(0, centre - half), min(1, centre + half))
    }
}

/// When an experiment's winner becomes the step's template.
///
/// The rule: every variant has at least `minimumSendsPerVariant` sends, and one variant is
/// better than every other by at least `minimumLift` (relative) with probability
/// `probabilityBest`. Measured with 2 variants, 100 sends each a day, the rule checked daily
/// for 40 days, 100 seeds: with no true difference the plain probability to be best promoted
/// a winner in 41 experiments, with a 5 % minimum lift in 4, with 10 % in 2; a true 30 % against
/// 20 % was promoted in all 100, at the first check (1,000 sends each). Hence 10 %.
public struct PromotionRule: Sendable, Equatable, Codable {
    public var probabilityBest: Double
    public var minimumSendsPerVariant: Int
    public var minimumLift: Double

    public init(probabilityBest: Double = 0.95, minimumSendsPerVariant: Int = 1_000, minimumLift: Double = 0.10) {
        self.probabilityBest = probabilityBest
        self.minimumSendsPerVariant = minimumSendsPerVariant
        self.minimumLift = minimumLift
    }

    /// The summaries the rule judges (probability to be best by the minimum lift) and the winner, if any.
    public func decide(
        _ tallies: [VariantTally], draws: Int = 10_000,
        using generator: inout some RandomNumberGenerator
    ) -> (winner: String?, summaries: [VariantSummary]) {
        let summaries = ExperimentStatistics.summarize(
            tallies, draws: draws, minimumLift: minimumLift, using: &generator)
        return (winner(summaries), summaries)
    }

    /// The winner's name if the rule is met by these summaries, else nil.
    public func winner(_ summaries: [VariantSummary]) -> String? {
        guard summaries.count >= 2, summaries.allSatisfy({ $0.sends >= minimumSendsPerVariant }),
            let best = summaries.max(by: { $0.probabilityBest < $1.probabilityBest }),
            best.probabilityBest >= probabilityBest
        else { return nil }
        return best.name
    }
}
