// Experiments for both front doors: the list with sends, one experiment's results and verdict, and promotion by hand.
import EbbflowCore
import EbbflowEngine
import Foundation
import PostgresClient

/// One experiment of the stored streams and its sends per variant.
public struct ExperimentListing: Sendable {
    public var info: ExperimentInfo
    public var tallies: [VariantTally]

    public init(info: ExperimentInfo, tallies: [VariantTally]) {
        self.info = info
        self.tallies = tallies
    }
}

/// One experiment's results: per variant, and the verdict of the promotion rule in words.
public struct ExperimentResults: Sendable {
    public var info: ExperimentInfo
    public var summaries: [VariantSummary]
    public var verdict: String
}

/// `experiments list|show|promote` and `GET /v1/experiments`, `GET /v1/experiments/{name}`,
/// `POST /v1/experiments/{name}/promote` (body `{"variant": "…"}`).
public struct ExperimentOperations: Sendable {
    public let schema: SchemaName

    public init(schema: SchemaName) { self.schema = schema }

    /// Every experiment; the document is the array of `experiments list --json`:
    /// `[{"name", "stream", "step", "metric", "variants": [{"name", "sends"}], "promoted"}]`.
    public func list(on database: PGConnection) async throws -> Shown<[ExperimentListing]> {
        let store = ExperimentStore(schema: schema)
        let rows = try await database.run { connection in
            try store.list(on: connection).map {
                ExperimentListing(info: $0, tallies: try store.tallies($0, on: connection))
            }
        }
        return Shown(
            model: rows,
            document: .array(
                rows.map { row in
                    [
                        "name": .string(row.info.experiment.name), "stream": .string(row.info.stream),
                        "step": .whole(row.info.step), "metric": .string(row.info.experiment.metric.rawValue),
                        "variants": .array(row.tallies.map { ["name": .string($0.name), "sends": .whole($0.sends)] }),
                        "promoted": .text(row.info.promoted?.variant),
                    ]
                }))
    }

    /// One experiment per variant: sends, conversions, rate with a 95 % interval, probability
    /// to be best, and the verdict. `notFound` for an unknown name.
    public func show(name: String, on database: PGConnection) async throws -> Shown<ExperimentResults> {
        let store = ExperimentStore(schema: schema)
        let found = try await database.run { connection -> ExperimentListing? in
            guard let info = try store.list(on: connection).first(where: { $0.experiment.name == name }) else {
                return nil
            }
            return ExperimentListing(info: info, tallies: try store.tallies(info, on: connection))
        }
        guard let found else { throw Self.unknown(name) }
        var generator = SystemRandomNumberGenerator()
        let results = Self.results(found, using: &generator)
        let (info, summaries, verdict) = (results.info, results.summaries, results.verdict)
        let document: JSONDocument = [
            "name": .string(info.experiment.name), "stream": .string(info.stream), "step": .whole(info.step),
            "metric": .string(info.experiment.metric.rawValue),
            "promoted": .text(info.promoted?.variant), "verdict": .string(verdict),
            "variants": .array(
                summaries.map {
                    [
                        "name": .string($0.name), "sends": .whole($0.sends), "conversions": .whole($0.conversions),
                        "rate": .number($0.rate), "low": .number($0.low), "high": .number($0.high),
                        "probability_best": .number($0.probabilityBest),
                    ]
                }),
        ]
        return Shown(model: ExperimentResults(info: info, summaries: summaries, verdict: verdict), document: document)
    }

    /// Per variant figures and the verdict of the promotion rule, from tallies read before;
    /// `generator` draws the posterior samples (the dashboard seeds it from the tallies, so a
    /// refresh of unchanged figures does not move the probabilities).
    public static func results(
        _ listing: ExperimentListing, using generator: inout some RandomNumberGenerator
    ) -> ExperimentResults {
        let info = listing.info
        let summaries = ExperimentStatistics.summarize(listing.tallies, using: &generator)
        let rule = PromotionRule()
        let judged = rule.decide(listing.tallies, using: &generator)
        let verdict =
            info.promoted.map { "promoted: \($0.variant)\($0.automatic ? " (automatically)" : "")" }
            ?? judged.winner.map { "the rule is met: \($0) will be promoted at the next daily judgement" }
            ?? "collecting: the rule needs \(rule.minimumSendsPerVariant) sends per variant and one variant \(Int(rule.minimumLift * 100)) % better "
                + """
                than the others with a probability of \(Int(rule.probabilityBest * 100)) % (now \
                \(judged.summaries.map { "\($0.name) \(String(format: "%.1f", $0.probabilityBest * 100)) %" }.joined(separator: ", ")))
                """
        return ExperimentResults(info: info, summaries: summaries, verdict: verdict)
    }

    /// Makes `variant` its step's template from now on, recorded with the evidence of the
    /// moment, in one transaction. `notFound` for an unknown experiment, `invalid` naming
    /// `variant` for a variant it does not have.
    @discardableResult
    public func promote(name: String, variant: String, on database: PGConnection) async throws -> ActionOutcome {
        let (schema, store) = (schema, ExperimentStore(schema: schema))
        do {
            try await database.withTransaction { connection in
                guard let info = try store.list(on: connection).first(where: { $0.experiment.name == name }) else {
                    throw Self.unknown(name)
                }
                var generator = SystemRandomNumberGenerator()
                let evidence = ExperimentStatistics.summarize(
                    try store.tallies(info, on: connection), using: &generator)
                try store.promote(
                    name, variant: variant, automatic: false, evidence: evidence,
                    now: try DatabaseClock(schema: schema).now(on: connection), on: connection)
            }
        } catch let error as ExperimentError {
            throw OperationError.invalid(error.description, field: "variant")
        }
        return ActionOutcome(
            "experiment \(name): \(variant) promoted; later sends of its step use it",
            ["name": .string(name), "variant": .string(variant)])
    }

    static func unknown(_ name: String) -> OperationError { .notFound("no experiment named \"\(name)\"") }
}
