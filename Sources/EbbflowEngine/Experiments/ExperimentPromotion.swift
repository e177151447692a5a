// Judges every undecided experiment once a day and promotes a variant that meets the rule, with its evidence.
import EbbflowCore
import EbbflowQueue
import Foundation
import PostgresClient

/// Why daily: the rule guards against promoting a difference that is not there (see
/// `PromotionRule`), and a daily look is what it was measured with. The evidence stored with
/// the promotion is the summaries the rule judged, so `experiments show` can say why.
public struct ExperimentPromotion: Sendable {
    let schema: SchemaName
    let rule: PromotionRule

    public init(schema: SchemaName, rule: PromotionRule) {
        self.schema = schema
        self.rule = rule
    }

    /// Promotes the winners of today; returns their experiments' names.
    @discardableResult
    public func run(now: Date, on connection: isolated PGConnection) throws -> [String] {
        let store = ExperimentStore(schema: schema)
        var generator = SystemRandomNumberGenerator()
        var promoted: [String] = []
        for info in try store.list(on: connection) where info.promoted == nil {
            let (winner, summaries) = rule.decide(try store.tallies(info, on: connection), using: &generator)
            guard let winner else { continue }
            try store.promote(
                info.experiment.name, variant: winner, automatic: true, evidence: summaries, now: now, on: connection)
            promoted.append(info.experiment.name)
        }
        return promoted
    }
}

extension ExperimentPromotion: DailyPass {
    public static let jobKind = "experiments_promote"

    public init(schema: SchemaName) { self.init(schema: schema, rule: PromotionRule()) }

    public func runDaily(now: Date, on connection: isolated PGConnection) throws { try run(now: now, on: connection) }
}

/// The daily judgement as a job (schedule `experiments_promote`, 01:00 UTC).
public typealias ExperimentPromotionJob = DailyPassJob<ExperimentPromotion>
