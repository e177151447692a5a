// Experiments' tallies as the rollup last counted them, judged by the statistics and the promotion rule without jitter between refreshes.
import EbbflowCore
import Foundation
import PostgresClient

/// One experiment's cached counts.
public struct CachedExperimentTallies: Sendable, Equatable {
    /// Every variant of the definition, in its order (0 sends when the rollup has none yet).
    public var tallies: [VariantTally]
    /// When the rollup counted them; nil when it never has (a new experiment).
    public var computedAt: Date?
}

/// An experiment as the dashboard shows it: summaries (rate, interval, probability to be
/// best) and the rule's verdict, from the cached tallies.
public struct ExperimentJudgement: Sendable {
    public var info: ExperimentInfo
    public var cached: CachedExperimentTallies
    public var summaries: [VariantSummary]
    /// The variant the rule would promote on these tallies; nil when it would not yet.
    public var winner: String?
}

/// Why cached: `ExperimentStore.tallies` probes the events of every send's contact (≈ 1 s at
/// 100,000 sends), too slow for a page; `dashboard_rollup` keeps `experiment_tallies` (primary
/// key (experiment, variant), read whole: a row per variant). Why seeded: the probability to be
/// best is a Monte-Carlo estimate, and a page refreshed every 10 s must not show 96.1 % then
/// 95.8 % for the same counts; the draws are seeded by the experiment's name and its tallies,
/// so the same counts give the same figures, and new counts new ones. Promotion itself
/// (`ExperimentOperations.promote`, `ExperimentPromotion`) still counts live.
public struct ExperimentTallyCache: Sendable {
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// The cached tallies of every experiment, by name (each with its oldest count time).
    func read(on connection: isolated PGConnection) throws -> [String: (
        variants: [String: (sends: Int, conversions: Int)], computedAt: Date
    )] {
        var result: [String: (variants: [String: (sends: Int, conversions: Int)], computedAt: Date)] = [:]
        for row in try connection.query(
            """
            SELECT experiment, variant, sends, conversions, computed_at FROM \(identifier: schema.qualified("experiment_tallies"))
            ORDER BY experiment, variant
            """
        ).rows {
            let name: String = try row.decode("experiment")
            let at: Date = try row.decode("computed_at")
            var entry = result[name] ?? (variants: [:], computedAt: at)
            entry.variants[try row.decode("variant")] = (try row.decode("sends"), try row.decode("conversions"))
            entry.computedAt = min(entry.computedAt, at)
            result[name] = entry
        }
        return result
    }

    /// Every experiment of the stored streams with its cached tallies judged by `rule`.
    public func judgements(rule: PromotionRule = PromotionRule(), on connection: isolated PGConnection) throws
        -> [ExperimentJudgement]
    {
        let cache = try read(on: connection)
        return try ExperimentStore(schema: schema).list(on: connection).map { info in
            let entry = cache[info.experiment.name]
            let cached = CachedExperimentTallies(
                tallies: info.experiment.variants.map {
                    let counts = entry?.variants[$0.name]
                    return VariantTally(name: $0.name, sends: counts?.sends ?? 0, conversions: counts?.conversions ?? 0)
                }, computedAt: entry?.computedAt)
            let (winner, summaries) = Self.judge(experiment: info.experiment.name, cached.tallies, rule: rule)
            return ExperimentJudgement(info: info, cached: cached, summaries: summaries, winner: winner)
        }
    }

    /// The rule's summaries and winner for `tallies`, with draws seeded by (experiment,
    /// tallies): pure, the same answer for the same counts.
    public static func judge(experiment: String, _ tallies: [VariantTally], rule: PromotionRule, draws: Int = 10_000)
        -> (winner: String?, summaries: [VariantSummary])
    {
        var generator = SplitMix64(seed: seed(experiment: experiment, tallies))
        return rule.decide(tallies, draws: draws, using: &generator)
    }

    /// FNV-1a over the name and every variant's name and counts, each ended by a separator.
    static func seed(experiment: String, _ tallies: [VariantTally]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ bytes: some Sequence<UInt8>) {
            for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            hash = (hash ^ 0xff) &* 0x0000_0100_0000_01b3
        }
        add(experiment.utf8)
        for tally in tallies {
            add(tally.name.utf8)
            add(String(tally.sends).utf8)
            add(String(tally.conversions).utf8)
        }
        return hash
    }
}

/// SplitMix64: a small seeded generator (Swift's system generator cannot be seeded), public so
/// the benchmark's and the tests' copies can become this one.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
