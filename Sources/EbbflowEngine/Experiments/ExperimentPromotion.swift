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

    public init(schema: SchemaName, rule: PromotionRule = PromotionRule()) {
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
            try store.promote(info.experiment.name, variant: winner, automatic: true, evidence: summaries, now: now, on: connection)
            promoted.append(info.experiment.name)
        }
        return promoted
    }
}

/// The daily judgement as a job (schedule `experiments_promote`, 01:00 UTC).
public struct ExperimentPromotionJob: TransactionalJobHandler {
    public struct Args: Codable, Sendable {}
    public static let kind = "experiments_promote"
    let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    public func run(_ job: Job<Args>, context: JobContext, connection: isolated PGConnection) async throws -> JobOutcome {
        try ExperimentPromotion(schema: schema).run(now: context.now, on: connection)
        return .completed
    }
}
