// The statistics under experiments and the arbiter: Beta draws, Wilson intervals, probability to be best, assignment.
import EbbflowEngine
import Foundation
import Testing

/// SplitMix64: a seeded generator, so every figure below is the same on every run.
struct TestGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct ExperimentStatisticsTests {
    @Test(arguments: [(3.0, 7.0), (0.5, 0.5), (40.0, 160.0)])
    func betaDrawsHaveTheRightMeanAndVariance(alpha: Double, beta: Double) {
        var generator = TestGenerator(state: 7)
        let draws = (0..<60_000).map { _ in BetaSampling.draw(alpha: alpha, beta: beta, using: &generator) }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count)
        let expectedMean = alpha / (alpha + beta)
        let expectedVariance = alpha * beta / ((alpha + beta) * (alpha + beta) * (alpha + beta + 1))
        #expect(abs(mean - expectedMean) < 0.004, "mean \(mean), expected \(expectedMean)")
        #expect(
            abs(variance - expectedVariance) / expectedVariance < 0.04,
            "variance \(variance), expected \(expectedVariance)")
        #expect(draws.allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test func wilsonIntervalMatchesTheFormula() {
        let (low, high) = ExperimentStatistics.wilson(conversions: 10, trials: 100)
        #expect(abs(low - 0.0552) < 0.0005 && abs(high - 0.1744) < 0.0005, "\(low) – \(high)")
        let (zeroLow, zeroHigh) = ExperimentStatistics.wilson(conversions: 0, trials: 20)
        #expect(zeroLow == 0 && abs(zeroHigh - 0.1611) < 0.0005, "\(zeroLow) – \(zeroHigh)")
        #expect(ExperimentStatistics.wilson(conversions: 0, trials: 0) == (0, 1))
    }

    @Test func probabilityToBeBest() {
        var generator = TestGenerator(state: 11)
        let even = ExperimentStatistics.summarize(
            [
                VariantTally(name: "a", sends: 1_000, conversions: 250),
                VariantTally(name: "b", sends: 1_000, conversions: 250),
            ], using: &generator)
        #expect(even.allSatisfy { abs($0.probabilityBest - 0.5) < 0.03 }, "\(even.map(\.probabilityBest))")
        let clear = ExperimentStatistics.summarize(
            [
                VariantTally(name: "curiosity", sends: 1_000, conversions: 300),
                VariantTally(name: "value", sends: 1_000, conversions: 200),
            ], using: &generator)
        #expect(clear[0].probabilityBest > 0.999 && abs(clear[0].rate - 0.3) < 1e-9)
        #expect(PromotionRule().winner(clear) == "curiosity")
        #expect(PromotionRule().winner(even) == nil)
        #expect(PromotionRule(minimumSendsPerVariant: 2_000).winner(clear) == nil, "not before the minimum of sends")
    }

    /// True open rates 30 % and 20 %: sending 100 a day to each and checking the rule each
    /// day, the better subject line is promoted, and soon after the minimum of sends.
    @Test func betterVariantIsPromoted() {
        for seed in UInt64(1)...10 {
            var generator = TestGenerator(state: seed)
            var tallies = [
                VariantTally(name: "curiosity", sends: 0, conversions: 0),
                VariantTally(name: "value", sends: 0, conversions: 0),
            ]
            var promoted: String?
            for _ in 0..<40 where promoted == nil {
                for (index, rate) in [0.30, 0.20].enumerated() {
                    for _ in 0..<100 {
                        tallies[index].sends += 1
                        if Double.random(in: 0..<1, using: &generator) < rate { tallies[index].conversions += 1 }
                    }
                }
                promoted = PromotionRule().decide(tallies, draws: 4_000, using: &generator).winner
            }
            #expect(promoted == "curiosity", "seed \(seed): \(tallies)")
        }
    }

    /// Issue 7: with no true difference (both 25 %), over 20 seeds of 30 days checked daily,
    /// the rule promotes a winner in at most one.
    @Test func noTrueDifferenceIsRarelyPromoted() {
        var promotions = 0
        for seed in UInt64(1)...20 {
            var generator = TestGenerator(state: seed &* 104_729)
            var tallies = [
                VariantTally(name: "curiosity", sends: 0, conversions: 0),
                VariantTally(name: "value", sends: 0, conversions: 0),
            ]
            for _ in 0..<30 {
                for index in 0..<2 {
                    for _ in 0..<100 {
                        tallies[index].sends += 1
                        if Double.random(in: 0..<1, using: &generator) < 0.25 { tallies[index].conversions += 1 }
                    }
                }
                if PromotionRule().decide(tallies, draws: 4_000, using: &generator).winner != nil {
                    promotions += 1; break
                }
            }
        }
        #expect(promotions <= 1, "\(promotions) of 20 experiments with no true difference promoted a winner")
    }

    @Test func assignmentIsStableWeightedAndIndependentAcrossExperiments() {
        let weights: [Double?] = [1, 2]
        for contact in Int64(1)...200 {
            let first = ExperimentAssignment.variant(experiment: "subject", contactID: contact, weights: weights)
            #expect(ExperimentAssignment.variant(experiment: "subject", contactID: contact, weights: weights) == first)
        }
        let contacts = Int64(1)...30_000
        let second = contacts.filter {
            ExperimentAssignment.variant(experiment: "subject", contactID: $0, weights: weights) == 1
        }.count
        #expect(abs(Double(second) / 30_000 - 2.0 / 3.0) < 0.015, "\(second) of 30,000 got the weight-2 variant")
        let both = contacts.filter {
            ExperimentAssignment.variant(experiment: "subject", contactID: $0, weights: [nil, nil]) == 0
                && ExperimentAssignment.variant(experiment: "cta", contactID: $0, weights: [nil, nil]) == 0
        }.count
        #expect(abs(Double(both) / 30_000 - 0.25) < 0.015, "\(both) of 30,000 got variant 0 of both")
    }
}
