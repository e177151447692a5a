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
    public static func summarize(_ tallies: [VariantTally], draws: Int = 10_000,
                                 using generator: inout some RandomNumberGenerator) -> [VariantSummary] {
        var wins = [Int](repeating: 0, count: tallies.count)
        for _ in 0..<draws {
            var best = 0, bestValue = -1.0
            for (index, tally) in tallies.enumerated() {
                let value = BetaSampling.posteriorDraw(conversions: tally.conversions, trials: tally.sends, using: &generator)
                if value > bestValue { best = index; bestValue = value }
            }
            wins[best] += 1
        }
        return tallies.enumerated().map { index, tally in
            let (low, high) = wilson(conversions: tally.conversions, trials: tally.sends)
            return VariantSummary(name: tally.name, sends: tally.sends, conversions: tally.conversions,
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
public struct PromotionRule: Sendable, Equatable, Codable {
    /// The winner's probability to be best must reach this.
    public var probabilityBest: Double
    /// Every variant must have at least this many sends first.
    public var minimumSendsPerVariant: Int

    public init(probabilityBest: Double = 0.95, minimumSendsPerVariant: Int = 1_000) {
        self.probabilityBest = probabilityBest
        self.minimumSendsPerVariant = minimumSendsPerVariant
    }

    /// The winner's name if the rule is met, else nil.
    public func winner(_ summaries: [VariantSummary]) -> String? {
        guard summaries.count >= 2, summaries.allSatisfy({ $0.sends >= minimumSendsPerVariant }),
              let best = summaries.max(by: { $0.probabilityBest < $1.probabilityBest }),
              best.probabilityBest >= probabilityBest else { return nil }
        return best.name
    }
}
